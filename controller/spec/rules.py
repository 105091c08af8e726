"""Defaults merging and the cross-field rules of one SubscriptionSet document.

Spec stage, after the models have checked types: for each entry, ``defaults`` are
merged in (a field the entry sets wins, even when it sets it to null) and the rules
of DESIGN.md section 3 that join several fields (the table in ``crossfield.py``) are
checked, each problem located at the field that breaks it (or at the entry when the
field comes from ``defaults``). What passes becomes a ``DesiredSubscription``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from controller.errors import SpecProblem
from controller.spec.crossfield import broken_rules
from controller.spec.messages import field_path
from controller.spec.models import Defaults, DesiredSubscription, SubscriptionEntry
from controller.spec.yamlpos import Document, Loc


@dataclass(frozen=True)
class _Entry:
    """One entry with ``defaults`` merged, and where each field was written."""

    doc: Document
    loc: Loc
    fields: dict[str, Any]
    own: frozenset[str]

    def problem(self, name: str, message: str) -> SpecProblem:
        if name in self.own:
            return self.doc.problem(
                (*self.loc, name), f"{field_path((*self.loc, name))}: {message}"
            )
        origin = " (set in defaults)" if name in self.fields else ""
        return self.doc.problem(self.loc, f"{field_path(self.loc)}: {message}{origin}")


def _rules(entry: _Entry) -> list[SpecProblem]:
    return [entry.problem(rule.at, rule.message) for rule in broken_rules(entry.fields.get)]


def _merged(defaults: Defaults | None, item: SubscriptionEntry) -> dict[str, Any]:
    base = {name: getattr(defaults, name) for name in defaults.model_fields_set} if defaults else {}
    own = {name: getattr(item, name) for name in item.model_fields_set}
    return base | own


def desired_from(
    doc: Document,
    set_name: str,
    defaults: Defaults | None,
    entries: list[tuple[int, SubscriptionEntry]],
) -> tuple[list[DesiredSubscription], list[SpecProblem]]:
    """Each type-valid entry (with its index) as a DesiredSubscription, or its problems."""
    out: list[DesiredSubscription] = []
    problems: list[SpecProblem] = []
    for index, item in entries:
        loc: Loc = ("subscriptions", index)
        entry = _Entry(doc, loc, _merged(defaults, item), frozenset(item.model_fields_set))
        found = _rules(entry)
        if found:
            problems.extend(found)
            continue
        line, _ = doc.positions.value(loc)
        fields = {k: v for k, v in entry.fields.items() if v is not None}
        try:
            desired = DesiredSubscription(**fields, source=f"{doc.path}:{line}", setName=set_name)
        except ValidationError as err:  # the rules above should have caught it first
            first = err.errors(include_url=False)[0]
            problems.append(doc.problem(loc, f"{field_path(loc)}: {first['msg']}"))
            continue
        out.append(desired)
    return out, problems
