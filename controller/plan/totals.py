"""A plan's totals: counts and money per currency, from its entries and lists.

The last stage of ``make_plan``, and of ``targeting.restrict``, which counts a partial
plan again the same way: pure counting, no I/O.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from controller.plan.model import (
    Drift,
    InProgress,
    Issue,
    RenewStep,
    StuckOrder,
    SubscriptionPlan,
    Totals,
)


def plan_totals(
    subs: tuple[SubscriptionPlan, ...],
    *,
    errors: tuple[Issue, ...],
    in_progress: tuple[InProgress, ...],
    drift: tuple[Drift, ...],
    stuck: tuple[StuckOrder, ...],
    unmanaged: int,
) -> Totals:
    """Steps per action, renewal cost per currency (both sorted) and the list sizes."""
    by_action: Counter[str] = Counter()
    cost: dict[str, Decimal] = {}
    for sub in subs:
        for step in sub.steps:
            by_action[step.action.value] += 1
            if isinstance(step, RenewStep) and step.price is not None:
                currency = step.price.currency
                cost[currency] = cost.get(currency, Decimal(0)) + step.price.value
    return Totals(
        changes=sum(by_action.values()),
        byAction=dict(sorted(by_action.items())),
        cost={cur: str(amount) for cur, amount in sorted(cost.items())},
        inProgress=len(in_progress),
        errors=len(errors),
        drift=len(drift),
        stuck=len(stuck),
        inSync=sum(1 for s in subs if s.status == "in-sync"),
        unmanaged=unmanaged,
        managed=len(subs),
    )
