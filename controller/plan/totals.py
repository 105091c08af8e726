"""A plan's totals: steps per action and money per currency, counted from the entries.

The last stage of ``make_plan`` (and of ``targeting.py``, which counts a partial plan
again): pure counting, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from controller.plan.inputs import LiveState
from controller.plan.model import (
    Drift,
    InProgress,
    Issue,
    RenewStep,
    StuckOrder,
    SubscriptionPlan,
    Totals,
)


def step_counts(subs: Iterable[SubscriptionPlan]) -> tuple[dict[str, int], dict[str, str]]:
    """Steps per action and renewal cost per currency, both sorted by key."""
    by_action: Counter[str] = Counter()
    cost: dict[str, Decimal] = {}
    for sub in subs:
        for step in sub.steps:
            by_action[step.action.value] += 1
            if isinstance(step, RenewStep) and step.price is not None:
                currency = step.price.currency
                cost[currency] = cost.get(currency, Decimal(0)) + step.price.value
    return (
        dict(sorted(by_action.items())),
        {cur: str(amount) for cur, amount in sorted(cost.items())},
    )


def plan_totals(
    subs: tuple[SubscriptionPlan, ...],
    *,
    errors: tuple[Issue, ...],
    in_progress: tuple[InProgress, ...],
    drift: tuple[Drift, ...],
    stuck: tuple[StuckOrder, ...],
    live: LiveState,
) -> Totals:
    by_action, cost = step_counts(subs)
    return Totals(
        changes=sum(by_action.values()),
        byAction=by_action,
        cost=cost,
        inProgress=len(in_progress),
        errors=len(errors),
        drift=len(drift),
        stuck=len(stuck),
        inSync=sum(1 for s in subs if s.status == "in-sync"),
        unmanaged=live.unmanaged_count,
        managed=len(subs),
    )
