"""Real plans and apply results for report tests, built with the planner's own builders.

``every_rule_plan`` declares one subscription per reconciliation rule (DESIGN.md
section 5) so a single plan fills every section. ``scaled`` repeats a planned
subscription under fresh ids: the planner costs ~0.2 ms a subscription, too slow to
plan 25,000 of them in a unit test, and copies of a real entry are still real.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from typing import Any

from controller.marketplace.models import Money
from controller.plan.model import Plan, Step
from controller.plan.outcome import ApplyResult, Outcome, StepOutcome
from controller.plan.planner import make_plan
from controller.spec.models import Cancellation, DesiredSubscription
from tests.plan.builders import NOW, declared, live, live_sub, options, order, state

HOSTILE = "left | `rm -rf` <script>alert(1)</script>\nnext [x](http://evil) @org/team \x1b[2J"
SOON = {"renewalDate": "2026-12-01", "expirationDate": "2026-12-01"}


def _cancelled(sub_id: str, reason: str = "Customer left", **kw: Any) -> DesiredSubscription:
    approval = kw.pop("approval", "auto")
    return declared(
        sub_id, state="cancelled", cancellation=Cancellation(reason=reason, approval=approval), **kw
    )


def every_rule_plan() -> Plan:
    decls = [
        declared("101", name="In sync"),
        declared("102", name="Gone missing"),
        declared("103", customerId="9"),
        declared("104", product="Other"),
        declared("105", mode="observe", autoRenew=False),
        declared("106", autoRenew=False),
        declared("107"),
        declared("108"),
        declared("109", name="Revert me"),
        declared("110"),
        declared("111"),
        declared("112", name="Head office", renewThrough=dt.date(2029, 4, 1)),
        declared("113", renewThrough=dt.date(2028, 3, 31)),
        declared("114", renewThrough=dt.date(2028, 3, 31)),
        _cancelled("115"),
        _cancelled("116"),
        _cancelled("117", approval="manual"),
        _cancelled("118"),
        _cancelled("119", approval="manual"),
        _cancelled("120"),
        _cancelled("121"),
        _cancelled("122"),
        declared("124", renewThrough=dt.date(2030, 1, 1)),
        declared("125", renewThrough=dt.date(2028, 3, 31)),
        declared("126", autoRenew=False),
        _cancelled("127", reason=HOSTILE),
    ]
    # Cancelled ones have auto-renew off already: their steps stay cancel/approve (with it
    # on, a cancellation starts by turning it off: tests/plan/test_planner.py).
    subs = [
        live_sub(d.id, renewalStatus=d.state == "active")
        for d in decls
        if d.id not in {"102", "106", "107", "108", "111"}
    ]
    subs += [
        live_sub("106", status="pending"),
        live_sub("107", status="hold"),
        live_sub("108", status="terminated"),
        live_sub("111", renewalStatus=False),
    ]
    subs = [s for s in subs if s.id not in {"115", "124", "126"}]
    subs += [
        live_sub("115", status="terminated"),
        live_sub("124", subscriptionPeriod={"type": "statement_day", "duration": 1}),
        live_sub("126", **SOON),
    ]
    orders = (
        order("901", "109"),
        order("902", "110", by_subctl=False),
        order("903", "114", type_="renewal", status="processing", code="AP"),
        order("904", "118"),
        order("905", "119"),
        order("906", "120", status="processing", code="AP", age_hours=100),
        order("907", "121", status="error", code="ER"),
        order("908", "122", status="cancelled", code="CL"),
    )
    estimates = {
        "112": Money(amount="70.50", currency="GBP"),
        "125": Money(amount="10", currency="EUR"),
    }
    return make_plan(
        state(*decls),
        live(
            *subs,
            orders=orders,
            estimates=estimates,
            unmanaged=4,
            renewing=(live_sub("900", **SOON),),
        ),
        options(revision="0123abc"),
    )


def plan_of(*decls: DesiredSubscription, unmanaged: int = 0, **live_fields: Any) -> Plan:
    """A plan of declarations that all exist live with the builders' defaults."""
    subs = [live_sub(d.id, **live_fields) for d in decls]
    return make_plan(state(*decls), live(*subs, unmanaged=unmanaged), options())


def scaled(plan: Plan, times: int) -> Plan:
    """``plan`` with its subscriptions repeated ``times`` over under fresh ids, totals kept true."""
    subs = tuple(
        replace(
            sub,
            id=f"{sub.id}{i:06d}",
            steps=tuple(
                s.model_copy(update={"subscriptionId": f"{sub.id}{i:06d}"}) for s in sub.steps
            ),
        )
        for i in range(times)
        for sub in plan.subscriptions
    )
    by_action = Counter(step.action.value for sub in subs for step in sub.steps)
    totals = plan.totals.model_copy(
        update={
            "changes": sum(by_action.values()),
            "byAction": dict(sorted(by_action.items())),
            "managed": len(subs),
        }
    )
    return plan.model_copy(update={"subscriptions": subs, "totals": totals})


def cancellations(n: int) -> Plan:
    """``n`` subscriptions to cancel with auto approval: ``2 * n`` changes."""
    base = plan_of(*(_cancelled(str(i)) for i in range(1, 11)), renewalStatus=False)
    return scaled(base, n // 10)


def outcome_for(step: Step, outcome: Outcome, **kw: Any) -> StepOutcome:
    return StepOutcome(
        subscriptionId=step.subscriptionId, action=step.action, outcome=outcome, **kw
    )


def apply_result(plan: Plan) -> ApplyResult:
    """The first step failed, the second is still processing, the rest succeeded, and
    the last step has no outcome (as after an interruption)."""
    steps = plan.steps
    outcomes = [
        outcome_for(
            steps[0], Outcome.FAILED, message="HTTP 500 | retry later", correlationId="corr-1"
        )
    ]
    outcomes.append(
        outcome_for(steps[1], Outcome.IN_PROGRESS, orderId="5001", orderNumber="SO5001")
    )
    outcomes += [
        outcome_for(s, Outcome.SUCCEEDED, orderId=f"60{i}") for i, s in enumerate(steps[2:-2])
    ]
    outcomes.append(outcome_for(steps[-2], Outcome.NOT_ATTEMPTED, message="earlier step failed"))
    return ApplyResult(
        startedAt=NOW,
        finishedAt=NOW + dt.timedelta(seconds=42),
        plan=plan,
        outcomes=tuple(outcomes),
        errors=plan.errors,
        stillProcessing=("SO5001", "SO7777"),
        waitedSeconds=30.0,
    )
