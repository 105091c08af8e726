"""The spec's cross-field rules (DESIGN.md section 3), written once, as data.

Spec stage. Two readers, one table: ``rules.py`` checks each entry (``defaults``
merged) against it and locates every broken rule at ``path:line:col``; the
``DesiredSubscription`` model (``models.py``) checks itself against it as the last
line of defence, so that no invalid desired subscription can exist even when built
outside the loader (tests, tools). This module imports nothing of the spec stage, so
both can import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

# A field's value by its YAML name, None when not set: ``dict.get`` for a merged entry,
# ``getattr`` on a model.
Value = Callable[[str], Any]

# needs: the field must be set; forbids: it must not be; forbids-true: it must not be true.
Kind = Literal["needs", "forbids", "forbids-true"]


@dataclass(frozen=True, slots=True)
class Rule:
    """In ``state``, ``field`` is needed or forbidden; ``at`` is where a problem points."""

    state: str | None  # None: the rule for an entry with no state at all
    field: str
    kind: Kind
    at: str
    message: str


MISSING_STATE = "missing required field 'state' (active or cancelled)"

# Data, not code: a reviewer reads DESIGN.md section 3 off these lines. The messages
# are user-facing (``path:line:col: message``) and must not change.
RULES: tuple[Rule, ...] = (
    Rule(None, "state", "needs", "state", MISSING_STATE),
    Rule("active", "autoRenew", "needs", "state", "state active needs autoRenew (true or false)"),
    Rule(
        "active",
        "cancellation",
        "forbids",
        "cancellation",
        "state active forbids cancellation (remove it, or set state: cancelled)",
    ),
    Rule(
        "cancelled", "cancellation", "needs", "state", "state cancelled needs cancellation.reason"
    ),
    Rule(
        "cancelled",
        "autoRenew",
        "forbids-true",
        "autoRenew",
        "autoRenew: true is not allowed with state cancelled",
    ),
    Rule(
        "cancelled",
        "renewThrough",
        "forbids",
        "renewThrough",
        "renewThrough is not allowed with state cancelled",
    ),
    Rule(
        "cancelled",
        "protected",
        "forbids-true",
        "protected",
        "protected: true forbids state cancelled (remove protected to cancel it)",
    ),
)

_BY_STATE: dict[str | None, tuple[Rule, ...]] = {
    state: tuple(rule for rule in RULES if rule.state == state)
    for state in {rule.state for rule in RULES}
}


def broken_rules(value: Value) -> list[Rule]:
    """The rules an entry breaks, in table order (the order problems are reported in)."""
    # One inlined loop, no call per rule: the model runs this for each of up to
    # 100,000 declarations (about 0.7 us each).
    broken: list[Rule] = []
    for rule in _BY_STATE.get(value("state"), ()):
        found = value(rule.field)
        if rule.kind == "needs":
            bad = found is None
        elif rule.kind == "forbids":
            bad = found is not None
        else:
            bad = found is True
        if bad:
            broken.append(rule)
    return broken
