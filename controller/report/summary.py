"""The ``--summary FILE`` JSON: a few counts that later CI steps branch on.

Built from a Plan or an ApplyResult after rendering; much smaller than the full JSON
(``jsonfmt.py``) and flat, so a workflow can read it with ``jq .has_changes``. Keys
are snake_case and documented in docs/plan-format.md; every action is always present
in ``counts`` (zero when absent) so consumers never need a default.
"""

from __future__ import annotations

import json
from typing import Any

from controller.plan.model import FORMAT_VERSION, Action, Plan
from controller.plan.outcome import ApplyResult
from controller.report.applysections import apply_counts
from controller.report.sections import unpriced_renewals


def _issues(plan_or_result: Plan | ApplyResult) -> list[dict[str, str]]:
    return [
        {"subscriptionId": e.subscriptionId, "code": e.code.value, "message": e.message}
        for e in plan_or_result.errors
    ]


def plan_summary(plan: Plan, refused: str | None = None, kind: str | None = None) -> dict[str, Any]:
    """Counts of a plan. ``refused`` is a guard's refusal message, when one refused it,
    and ``kind`` that guard (``refusal``: e.g. ``stale-plan``, so a workflow can re-plan
    on a stale plan alone). Without them, the plan's own refusals are reported."""
    refusals = [refused] if refused else [r.message for r in plan.refusals]
    if kind is None and refused is None and plan.refusals:
        kind = plan.refusals[0].kind.value
    totals = plan.totals
    counts = {action.value: 0 for action in sorted(Action, key=lambda a: a.value)}
    for step in plan.steps:
        counts[step.action.value] += 1
    summary: dict[str, Any] = {
        "formatVersion": FORMAT_VERSION,
        "has_changes": plan.has_changes,
        "counts": counts,
        "in_progress": len(plan.inProgress),
        "errors": _issues(plan),
        "drift": len(plan.drift),
        "stuck": len(plan.stuck),
        "in_sync": totals.inSync,
        "unmanaged": plan.unmanagedCount,
        "cost": dict(sorted(totals.cost.items())),
        "unpriced_renewals": unpriced_renewals(plan),
        "guard_refusals": refusals,
        "refusal": kind if refusals else None,
    }
    if plan.targeting is not None:  # a partial plan (--only / --customer)
        summary["targeting"] = plan.targeting.model_dump(mode="json")
    return summary


def apply_summary(result: ApplyResult, refused: str | None = None) -> dict[str, Any]:
    """A plan summary of the applied plan, with step outcomes on top.

    ``in_progress`` here counts steps written whose orders the marketplace is still
    working on; the plan's own in-progress operations (no write needed) move to
    ``plan_in_progress``. ``errors`` are the result's (plan errors plus failures).
    """
    data = plan_summary(result.plan, refused)
    data["plan_in_progress"] = data.pop("in_progress")
    data["errors"] = _issues(result)
    data.update(apply_counts(result))
    data["still_processing"] = list(result.stillProcessing)
    data["ok"] = result.ok and not refused
    if result.interrupted:
        data["interrupted"] = True
    return data


def render_summary(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
