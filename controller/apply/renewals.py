"""The executor's renewal steps: one renewal order per term, re-checked before each.

Inside the executor (``executor.py``), through its ``StepWriter`` (``stepwriter.py``). Before
every term, live state is read again: another run may have renewed since the plan, a
renewal order may still be open, or the target may be reached sooner than counted.
Each term is one ``_place``; an order left open or in error ends the step.
"""

from __future__ import annotations

from controller.apply.stepwriter import StepFailed, StepInterrupted, StepWriter, on_order
from controller.marketplace.client import Baseline
from controller.marketplace.models import Order, OrderStatus, OrderType
from controller.plan.model import RenewStep, SubscriptionPlan
from controller.plan.outcome import Outcome, StepOutcome


async def renew(w: StepWriter, sub: SubscriptionPlan, step: RenewStep) -> StepOutcome:
    terms = step.terms
    last: Order | None = None
    cid: str | None = None
    for term in range(terms):
        # Level-triggered, right before spending money: another run (a second CI
        # runner, or one whose plan went stale while this one waited) may have
        # renewed this subscription since the plan was made. Renewals complete at
        # once, so the marketplace's open-order refusal cannot catch that.
        before = await _before_term(w, sub, step, term, terms)
        if isinstance(before, StepOutcome):
            return before
        try:
            order, cid, existed = await w.place(
                sub, step, OrderType.RENEWAL, w.attributes(sub), before
            )
        except StepInterrupted:
            if last is None:
                raise
            return on_order(
                sub,
                step,
                Outcome.IN_PROGRESS,
                f"interrupted (Ctrl-C) after {term} of {terms} renewal(s), last "
                f"order {last.display_name}; the next run places the rest",
                last,
                cid,
            )
        last = order
        if existed or order.status is not OrderStatus.COMPLETED:
            if order.status is OrderStatus.ERROR:
                raise StepFailed(f"renewal order {order.display_name} is in error", order)
            return on_order(
                sub,
                step,
                Outcome.IN_PROGRESS,
                f"renewal {term + 1} of {terms}: order {order.display_name} is "
                f"{order.status_text}; the next run continues",
                order,
                cid,
            )
    return StepOutcome(
        subscriptionId=sub.id,
        action=step.action,
        outcome=Outcome.SUCCEEDED,
        message=step.description,
        orderId=last.id if last else None,
        orderNumber=last.orderNumber if last else None,
        correlationId=cid,
    )


async def _before_term(
    w: StepWriter, sub: SubscriptionPlan, step: RenewStep, term: int, terms: int
) -> StepOutcome | Baseline:
    """The outcome if no term may be placed now, else the placement's baseline.

    Asked before every term. The subscription may already expire on or after the
    target: before the first term, another run may have renewed since the plan;
    before a later one, the marketplace may have reached ``renewThrough`` sooner than
    the plan counted (the plan uses the same anchor-day calendar, controller/periods.py,
    so this is a safety net, not the rule). Either way a further term would be paid
    for nothing. A renewal order of it may be open (real renewals can stay
    submitted/processing for a while): then none is placed. Otherwise the ids of its
    renewal orders and its expiry are the baseline that tells, after a lost answer,
    whether the POST created an order (ordering.py).
    """
    target = step.renewThrough
    live = await w.client.get_subscription(sub.id)
    listed = await w.client.order_set(sub.id)
    baseline = Baseline(listed.ids(OrderType.RENEWAL), live.expirationDate)
    if live.expirationDate is None or live.expirationDate < target:
        pending = [o for o in listed.orders if o.type is OrderType.RENEWAL and o.is_open]
        if not pending:
            return baseline
        order = pending[0]
        return on_order(
            sub,
            step,
            Outcome.IN_PROGRESS,
            f"renewal order {order.display_name} is still {order.status_text}; no "
            f"further order placed after {term} of {terms}; the next run continues",
            order,
            listed.correlation_id,
        )
    how = (
        "renewed elsewhere since the plan"
        if term == 0
        else f"the target {target.isoformat()} was reached"
    )
    return StepOutcome(
        subscriptionId=sub.id,
        action=step.action,
        outcome=Outcome.SUCCEEDED,
        message=f"already renewed through {live.expirationDate.isoformat()} after {term} of "
        f"{terms} renewal(s) by this run ({how}); no further order placed",
        correlationId=listed.correlation_id,
    )
