"""Spec files -> DesiredState, with every problem of every file reported at once.

The entry point of the spec stage (DESIGN.md sections 2 and 3): ``files`` finds the
files, ``yamlpos`` reads them with positions, the models check types, ``rules``
merges defaults and checks cross-field rules, and this module checks what spans
documents and files (unique ``metadata.name``, each id declared once). The planner
reads the resulting ``DesiredState``; ``subctl validate`` reads the ``SpecReport``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from controller.errors import ConfigError, SpecErrors, SpecProblem
from controller.spec.files import NO_SPEC_FILES, discover
from controller.spec.messages import describe, field_path, yaml_repr
from controller.spec.models import (
    API_VERSION,
    KIND,
    Defaults,
    DesiredState,
    DesiredSubscription,
    SubscriptionEntry,
    SubscriptionSet,
)
from controller.spec.rules import desired_from
from controller.spec.yamlpos import Document, Loc, read_documents

NO_PATHS = "no spec paths given"


@dataclass(frozen=True)
class SpecReport:
    """The outcome of reading specs: the desired state when valid, else the problems."""

    state: DesiredState | None
    problems: tuple[SpecProblem, ...]
    files: int
    subscriptions: int

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class _Registry:
    """First place each id and set name was declared, across every file read."""

    ids: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    problems: list[SpecProblem] = field(default_factory=list)

    def document(self, doc: Document) -> None:
        metadata = doc.data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if isinstance(name, str):
            self._claim(self.names, name, doc, ("metadata", "name"), f"'{name}'")
        entries = doc.data.get("subscriptions")
        if not isinstance(entries, list):
            return
        for index, entry in enumerate(entries):
            raw = entry.get("id") if isinstance(entry, dict) else None
            sub_id = _id_text(raw)
            if sub_id is not None:
                loc = ("subscriptions", index, "id")
                self._claim(self.ids, sub_id, doc, loc, f"id {sub_id}")

    def _claim(
        self, seen: dict[str, str], key: str, doc: Document, loc: tuple[str | int, ...], what: str
    ) -> None:
        line, col = doc.positions.value(loc)
        first = seen.get(key)
        if first is None:
            seen[key] = f"{doc.path}:{line}"
            return
        message = f"{field_path(loc)}: {what} is also declared at {first}"
        self.problems.append(SpecProblem(doc.path, line, col, message))


def _id_text(raw: Any) -> str | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return raw
    return None


def _header_problem(doc: Document) -> SpecProblem | None:
    # A document of another kind is not worth field-by-field errors: one line says why.
    for key, expected in (("apiVersion", API_VERSION), ("kind", KIND)):
        value = doc.data.get(key)
        if value != expected:
            if key not in doc.data:
                return doc.problem((), f"missing {key}: {expected}")
            return doc.problem((key,), f"{key} must be {expected}, got {yaml_repr(value)}")
    return None


def _located(doc: Document, err: ValidationError, prefix: Loc = ()) -> list[SpecProblem]:
    problems = []
    for detail in err.errors(include_url=False):
        detail["loc"] = (*prefix, *detail["loc"])
        loc, message, at_key = describe(detail)
        problems.append(doc.problem(loc, message, at_key=at_key))
    return problems


def _check_document(doc: Document) -> tuple[list[DesiredSubscription], list[SpecProblem]]:
    # The set and each entry are checked apart, so that a typo in one entry does not
    # hide the problems of the others.
    raw = doc.data.get("subscriptions")
    entries_raw = raw if isinstance(raw, list) else []
    # A list is replaced by [] here and its entries checked one by one below; anything
    # else (a mapping, null) is left for the set's validation to report.
    head = doc.data | {"subscriptions": []} if isinstance(raw, list) else doc.data
    problems: list[SpecProblem] = []
    try:
        subscription_set: SubscriptionSet | None = SubscriptionSet.model_validate(head)
    except ValidationError as err:
        subscription_set = None
        problems.extend(_located(doc, err))
    entries: list[tuple[int, SubscriptionEntry]] = []
    for index, item in enumerate(entries_raw):
        try:
            entries.append((index, SubscriptionEntry.model_validate(item)))
        except ValidationError as err:
            problems.extend(_located(doc, err, ("subscriptions", index)))
    if subscription_set is None:
        # A mistake elsewhere in the set (a bad metadata.name, say) must not hide the
        # entries' cross-field problems: all errors are reported at once. Only invalid
        # defaults would mislead the merged entries, so then the rules wait.
        defaults = _defaults_alone(doc)
        if defaults is None:
            return [], problems
        merged = None if defaults is False else defaults
        _, found = desired_from(doc, "", merged, entries)
        return [], problems + found
    desired, found = desired_from(
        doc, subscription_set.metadata.name, subscription_set.defaults, entries
    )
    return desired, problems + found


def _defaults_alone(doc: Document) -> Defaults | Literal[False] | None:
    """The document's defaults checked on their own: False when absent, None when invalid."""
    raw = doc.data.get("defaults")
    if raw is None:
        return False
    try:
        return Defaults.model_validate(raw)
    except ValidationError:
        return None  # the set's validation has reported why


@contextmanager
def _collector_paused() -> Iterator[None]:
    # Reading builds hundreds of thousands of small acyclic objects; the cyclic
    # collector would scan them again and again for nothing (about 20% of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_specs(paths: Sequence[str | Path]) -> SpecReport:
    """Read and check every spec under ``paths``; never raises for a spec mistake."""
    with _collector_paused():
        return _check_specs(paths)


def _check_specs(paths: Sequence[str | Path]) -> SpecReport:
    files, problems = discover([str(path) for path in paths])
    if not paths:
        problems.append(SpecProblem(".", 1, 1, NO_PATHS))
    registry = _Registry()
    desired: list[DesiredSubscription] = []
    declared = 0
    for spec in files:
        documents, found = read_documents(spec.path, spec.display)
        problems.extend(found)
        for doc in documents:
            header = _header_problem(doc)
            if header is not None:  # not ours: it claims no ids and names
                problems.append(header)
                continue
            entries = doc.data.get("subscriptions")
            declared += len(entries) if isinstance(entries, list) else 0
            registry.document(doc)
            items, found = _check_document(doc)
            desired.extend(items)
            problems.extend(found)
    problems.extend(registry.problems)
    if problems:
        return SpecReport(None, tuple(sorted(set(problems))), len(files), declared)
    state = DesiredState(subscriptions=tuple(desired), files=tuple(spec.display for spec in files))
    return SpecReport(state, (), len(files), declared)


def nothing_to_read(report: SpecReport) -> bool:
    """No spec file at all, and that is the only problem (a wrong path, an empty tree)."""
    return (
        report.files == 0
        and len(report.problems) == 1
        and report.problems[0].message.startswith((NO_SPEC_FILES, NO_PATHS))
    )


def load_specs(paths: Sequence[str | Path]) -> DesiredState:
    """The desired state declared under ``paths``; raises SpecErrors with every problem."""
    report = check_specs(paths)
    if report.state is None:
        if nothing_to_read(report):
            # Nothing to read at all (a wrong or empty path): one line, not a spec error.
            raise ConfigError(report.problems[0].message)
        raise SpecErrors(list(report.problems))
    return report.state
