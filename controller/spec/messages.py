"""Short, human messages for pydantic validation errors of a spec document.

Part of the spec stage: ``loader.py`` validates each document with the models and
hands every pydantic error here; the result names the field the way it is written in
YAML (``subscriptions[2].autoRenew``) and says what was expected and what was found
in YAML words (true/false, a list, a mapping), never in Python or pydantic words.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from typing import Any

from pydantic_core import ErrorDetails

from controller.spec.models import (
    Cancellation,
    Defaults,
    Metadata,
    SubscriptionEntry,
    SubscriptionSet,
)
from controller.spec.yamlpos import Loc

_DIGIT_FIELDS = frozenset({"id", "customerId"})
_FIELDS_UNDER: dict[str, frozenset[str]] = {
    "": frozenset(SubscriptionSet.model_fields),
    "metadata": frozenset(Metadata.model_fields),
    "defaults": frozenset(Defaults.model_fields),
    "subscriptions": frozenset(SubscriptionEntry.model_fields),
    "cancellation": frozenset(Cancellation.model_fields),
}


def _allowed(parent: Loc) -> frozenset[str]:
    # The model of a mapping is named by its nearest field name: subscriptions[3]
    # is a SubscriptionEntry, defaults.cancellation a Cancellation.
    names = [part for part in parent if isinstance(part, str)]
    return _FIELDS_UNDER.get(names[-1] if names else "", frozenset())


def field_path(loc: Iterable[str | int]) -> str:
    """``("subscriptions", 2, "autoRenew")`` -> ``subscriptions[2].autoRenew``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def yaml_repr(value: Any) -> str:
    """A value as it would be written in YAML, for "got ..." in messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:39] + "…"
        return repr(text)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _expected(err: ErrorDetails, name: str) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if name in _DIGIT_FIELDS and kind in ("string_type", "string_pattern_mismatch"):
        return 'expected a string of digits like "1000177"'
    if name == "name" and kind == "string_pattern_mismatch":
        return "expected 1 to 63 characters of a-z, 0-9 and '-'"
    simple = {
        "bool_type": "expected true or false",
        "string_type": "expected text",
        "int_type": "expected a whole number",
        "list_type": "expected a list",
        "model_type": "expected a mapping",
        "dict_type": "expected a mapping",
        "date_type": "expected a date (YYYY-MM-DD)",
        "date_parsing": "expected a date (YYYY-MM-DD)",
        "date_from_datetime_inexact": "expected a date (YYYY-MM-DD), not a date and time",
    }
    if kind in simple:
        return simple[kind]
    if kind == "literal_error":
        return f"expected {ctx.get('expected', 'one of the allowed values')}"
    if kind == "string_too_short":
        count = ctx.get("min_length")
        return f"must be at least {count} character{'s' if count != 1 else ''}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return f"must match {ctx.get('pattern')}"
    return str(err["msg"])


def describe(err: ErrorDetails) -> tuple[Loc, str, bool]:
    """Turn one pydantic error into (location, message, locate at the key?)."""
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    name = str(loc[-1]) if loc and isinstance(loc[-1], str) else ""
    if kind == "extra_forbidden":
        parent = field_path(loc[:-1])
        hint = difflib.get_close_matches(name, sorted(_allowed(loc[:-1])), n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        where = f"{parent}: " if parent else ""
        return loc, f"{where}unknown field '{name}'{suggestion}", True
    if kind == "missing":
        parent = field_path(loc[:-1])
        where = f"{parent}: " if parent else ""
        return loc[:-1], f"{where}missing required field '{name}'", False
    if kind in ("value_error", "assertion_error"):
        message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        message = message.removeprefix(f"{name} ")  # the path already names the field
        return loc, f"{field_path(loc)}: {message}, got {yaml_repr(err.get('input'))}", False
    expected = _expected(err, name)
    got = yaml_repr(err.get("input"))
    if kind in ("string_too_short", "string_too_long"):
        return loc, f"{field_path(loc)}: {expected}", False
    return loc, f"{field_path(loc)}: {expected}, got {got}", False
