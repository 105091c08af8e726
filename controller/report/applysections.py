"""What an apply result says, as rows: the apply counterpart of ``sections.py``.

Sits between the ApplyResult (``controller/plan/outcome.py``) and the renderers:
``text.py`` and ``markdown.py`` lay these sections out exactly as a plan's, so an
apply reads the same in a terminal and in a pull-request comment. Cells are raw
strings (user text unescaped); each renderer makes them safe for its medium.
"""

from __future__ import annotations

from collections import Counter

from controller.plan.model import Step, acted_on
from controller.plan.outcome import ApplyResult, Outcome
from controller.report.sections import Section, errors_section, order_cell, plural


def unreported_steps(result: ApplyResult) -> list[Step]:
    """Planned steps with no outcome at all (a refused or interrupted run): not attempted."""
    left = Counter((o.subscriptionId, o.action) for o in result.outcomes)
    missing: list[Step] = []
    for step in result.plan.steps:
        key = (step.subscriptionId, step.action)
        if left[key]:
            left[key] -= 1
        else:
            missing.append(step)
    return missing


def apply_counts(result: ApplyResult) -> dict[str, int]:
    return {
        "succeeded": result.count(Outcome.SUCCEEDED),
        "failed": result.count(Outcome.FAILED),
        "in_progress": result.count(Outcome.IN_PROGRESS),
        "not_attempted": result.count(Outcome.NOT_ATTEMPTED) + len(unreported_steps(result)),
    }


def apply_header_line(result: ApplyResult) -> str:
    plan = result.plan
    seconds = (result.finishedAt - result.startedAt).total_seconds()
    line = (
        f"Apply to {plan.target} at {plan.revision or 'unknown revision'}, "
        f"{result.startedAt.isoformat(timespec='seconds')} ({seconds:.1f}s"
    )
    if result.waitedSeconds:
        line += f", waited {result.waitedSeconds:.0f}s for the vendor"
    return line + ")"


def apply_count_parts(result: ApplyResult) -> list[str]:
    c = apply_counts(result)
    return [
        f"{c['succeeded']:,} succeeded",
        f"{c['failed']:,} failed",
        f"{c['in_progress']:,} in progress",
        f"{c['not_attempted']:,} not attempted",
        plural(len(result.errors), "error"),
        f"{len(result.stillProcessing):,} still processing",
    ]


def _outcome_rows(result: ApplyResult, outcome: Outcome) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            o.subscriptionId,
            o.action.value,
            order_cell(o.orderNumber, o.orderId),
            o.correlationId or "",
            o.message,
        )
        for o in result.outcomes
        if o.outcome is outcome
    )


def _processing_rows(result: ApplyResult) -> tuple[tuple[str, ...], ...]:
    """In-progress steps, plus any order the executor named as still processing that
    no in-progress step already shows (so nothing it reports is lost)."""
    rows = list(_outcome_rows(result, Outcome.IN_PROGRESS))
    shown = {
        ref
        for o in result.outcomes
        if o.outcome is Outcome.IN_PROGRESS
        for ref in (o.orderId, o.orderNumber)
        if ref
    }
    for order in result.stillProcessing:
        if order in shown:
            continue
        match = next((o for o in result.outcomes if order in (o.orderId, o.orderNumber)), None)
        sub, action = (match.subscriptionId, match.action.value) if match else ("", "")
        rows.append((sub, action, order, "", "still processing"))
    return tuple(rows)


_OUTCOME_COLUMNS = ("Subscription", "Action", "Order", "Correlation id", "Message")


def apply_sections(result: ApplyResult) -> list[Section]:
    """Every non-empty section of an apply result, in display order."""
    sections = [
        Section(
            key="failed",
            title="Failed steps",
            noun=("failed step", "failed steps"),
            columns=_OUTCOME_COLUMNS,
            rows=_outcome_rows(result, Outcome.FAILED),
            open=True,
            keep=0,
            style="bold red",
        ),
        errors_section(result.errors),
        Section(
            key="processing",
            title="Still processing",
            noun=("order still processing", "orders still processing"),
            columns=_OUTCOME_COLUMNS,
            rows=_processing_rows(result),
            open=True,
            keep=1,
            style="bold cyan",
        ),
        Section(
            key="not-attempted",
            title="Not attempted",
            noun=("step not attempted", "steps not attempted"),
            columns=_OUTCOME_COLUMNS,
            rows=_outcome_rows(result, Outcome.NOT_ATTEMPTED)
            + tuple(
                (
                    s.subscriptionId,
                    s.action.value,
                    acted_on(s)[1] or acted_on(s)[0] or "",
                    "",
                    "no outcome",
                )
                for s in unreported_steps(result)
            ),
            keep=2,
            style="bold yellow",
        ),
        Section(
            key="succeeded",
            title="Succeeded",
            noun=("succeeded step", "succeeded steps"),
            columns=_OUTCOME_COLUMNS,
            rows=_outcome_rows(result, Outcome.SUCCEEDED),
            keep=3,
            style="bold green",
        ),
    ]
    return [s for s in sections if s.rows]
