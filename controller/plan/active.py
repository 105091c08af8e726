"""Planning a subscription declared ``state: active``: withdraw, auto-renew and renew steps.

Called by ``planner._plan_one`` once the guards and live status allow planning; the
decisions themselves are the predicates of ``gates.py`` (shared with ``reads.py``).
Returns a ``Planned`` value; no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from controller.marketplace.conventions import OpenState, open_state
from controller.marketplace.models import Money, Order, OrderType, Subscription
from controller.plan.gates import Terms, active_issue, open_orders, renewal
from controller.plan.model import (
    InProgress,
    IssueCode,
    Price,
    ProgressKind,
    RenewStep,
    SetAutoRenewStep,
    Step,
    SubscriptionPlan,
    WithdrawStep,
)
from controller.plan.planned import Planned, failed, unknown_state
from controller.spec.models import DesiredSubscription


def plan_active(
    d: DesiredSubscription,
    sub: Subscription,
    orders: tuple[Order, ...],
    estimate: Money | None,
    base: SubscriptionPlan,
) -> Planned:
    cancellations = open_orders(orders, OrderType.CANCELLATION) if orders else []
    issue = active_issue(d, sub, cancellations)
    if issue is not None:
        # Open cancellations in an unknown state are reported up to the one that stops
        # the plan (none when the subscription is gone), as they are read in order.
        upto = 0 if issue.code is IssueCode.IRREVERSIBLE else len(cancellations)
        if issue.order is not None:
            upto = cancellations.index(issue.order)
        notes = tuple(
            unknown_state(d, o) for o in cancellations[:upto] if open_state(o) is OpenState.UNKNOWN
        )
        return failed(d, base, issue, in_progress=notes)
    in_progress: list[InProgress] = []
    steps: list[Step] = []
    for order in cancellations:  # all placed by subctl, or in an unknown state
        if open_state(order) is OpenState.UNKNOWN:
            in_progress.append(unknown_state(d, order))
            continue
        steps.append(
            WithdrawStep(
                subscriptionId=d.id,
                customerId=sub.customerId or "",
                orderId=order.id,
                orderNumber=order.orderNumber,
                description=f"withdraw cancellation order {order.display_name} (placed by subctl)",
            )
        )
    if d.autoRenew is not None and d.autoRenew != sub.renewalStatus:
        steps.append(
            SetAutoRenewStep(
                subscriptionId=d.id,
                customerId=sub.customerId or "",
                autoRenew=d.autoRenew,
                description=f"{'enable' if d.autoRenew else 'disable'} auto-renew",
            )
        )
    due = renewal(d, sub, orders)
    if isinstance(due, Order):
        in_progress.append(
            InProgress(
                subscriptionId=d.id,
                kind=ProgressKind.WAITING_FOR_VENDOR,
                message=f"renewal order {due.display_name} in progress",
                orderId=due.id,
                orderNumber=due.orderNumber,
            )
        )
    elif isinstance(due, Terms):
        steps.append(_renew_step(d, sub, due, estimate))
    elif due is not None:
        return failed(d, base, due, in_progress=tuple(in_progress))
    if steps:
        return Planned(
            replace(base, steps=tuple(steps), status="change"), in_progress=tuple(in_progress)
        )
    if in_progress:
        return Planned(replace(base, status="in-progress"), in_progress=tuple(in_progress))
    return Planned(base)


def _renew_step(
    d: DesiredSubscription, sub: Subscription, terms: Terms, estimate: Money | None
) -> RenewStep:
    per_term = total = None
    if estimate is not None:
        per_term = Price(amount=estimate.amount, currency=estimate.currency)
        total = Price(amount=str(estimate.value * terms.count), currency=estimate.currency)
    cost = f" for {total.amount} {total.currency}" if total else ""
    return RenewStep(
        subscriptionId=d.id,
        customerId=sub.customerId or "",
        terms=terms.count,
        fromExpiry=sub.expirationDate,
        newExpiry=terms.new_expiry,
        renewThrough=d.renewThrough,
        pricePerTerm=per_term,
        price=total,
        description=(
            f"renew {terms.count} term{'s' if terms.count != 1 else ''}: expiry "
            f"{sub.expirationDate} -> {terms.new_expiry}{cost}"
        ),
    )
