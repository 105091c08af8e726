"""Planning a subscription declared ``state: cancelled``: auto-renew off, cancel, approve.

Called by ``planner._plan_one`` once the guards and live status allow planning; the
decisions are the predicates of ``gates.py`` (shared with ``reads.py``). A cancellation
is two steps (DESIGN.md section 5), three when auto-renew would fire first (issue 13).
Returns a ``Planned`` value; no I/O.
"""

from __future__ import annotations

from dataclasses import replace

from controller.marketplace.conventions import OpenState, open_state
from controller.marketplace.models import Order, OrderStatus, OrderType, Subscription
from controller.plan.gates import GONE, cancel_issue, open_cancellation, order_sort_key
from controller.plan.model import (
    ApproveStep,
    CancelStep,
    InProgress,
    ProgressKind,
    SetAutoRenewStep,
    Step,
    SubscriptionPlan,
)
from controller.plan.planned import Planned, failed, unknown_state
from controller.spec.models import DesiredSubscription


def plan_cancelled(
    d: DesiredSubscription,
    sub: Subscription,
    orders: tuple[Order, ...],
    base: SubscriptionPlan,
    *,
    fires_soon: bool,
) -> Planned:
    if sub.status in GONE:
        return Planned(base)
    issue = cancel_issue(d, orders)
    if issue is not None:
        return failed(d, base, issue)
    assert d.cancellation is not None
    first = _auto_renew_off(d, sub, fires_soon)
    order = open_cancellation(orders)
    if order is not None:
        state = open_state(order)
        if state is OpenState.UNKNOWN:
            note = unknown_state(d, order)
        elif state is OpenState.PENDING_APPROVAL:
            if d.cancellation.approval == "auto":
                step = ApproveStep(
                    subscriptionId=d.id,
                    customerId=sub.customerId or "",
                    orderId=order.id,
                    orderNumber=order.orderNumber,
                    description=f"approve cancellation order {order.display_name}",
                )
                return Planned(replace(base, steps=(*first, step), status="change"))
            note = InProgress(
                subscriptionId=d.id,
                kind=ProgressKind.AWAITING_MANUAL_APPROVAL,
                message=f"cancellation order {order.display_name} awaits manual approval",
                orderId=order.id,
                orderNumber=order.orderNumber,
            )
        else:
            note = InProgress(
                subscriptionId=d.id,
                kind=ProgressKind.WAITING_FOR_VENDOR,
                message=f"cancellation order {order.display_name} approved; "
                "waiting for the vendor to complete it",
                orderId=order.id,
                orderNumber=order.orderNumber,
                placedBySubctl=order.placed_by_subctl,
            )
        if first:
            return Planned(replace(base, steps=first, status="change"), in_progress=(note,))
        return Planned(replace(base, status="in-progress"), in_progress=(note,))
    withdrawn = tuple(
        o.display_name
        for o in sorted(orders, key=order_sort_key)
        if o.type is OrderType.CANCELLATION and o.status is OrderStatus.CANCELLED
    )
    note_text = (
        f" (earlier order{'s' if len(withdrawn) > 1 else ''} {', '.join(withdrawn)} withdrawn)"
    )
    steps: list[Step] = [
        *first,
        CancelStep(
            subscriptionId=d.id,
            customerId=sub.customerId or "",
            reason=d.cancellation.reason,
            description=f"cancel: {d.cancellation.reason}" + (note_text if withdrawn else ""),
        ),
    ]
    if d.cancellation.approval == "auto":
        steps.append(
            ApproveStep(
                subscriptionId=d.id,
                customerId=sub.customerId or "",
                description="approve the cancellation order placed by the step before",
            )
        )
    return Planned(replace(base, steps=tuple(steps), status="change", withdrawnOrders=withdrawn))


def disables_auto_renew(planned: SubscriptionPlan) -> bool:
    return any(isinstance(s, SetAutoRenewStep) and s.autoRenew is False for s in planned.steps)


def _auto_renew_off(
    d: DesiredSubscription, sub: Subscription, fires_soon: bool
) -> tuple[SetAutoRenewStep, ...]:
    """Step one of a cancellation whose auto-renew would fire before it can complete:
    turn it off first, or the marketplace may renew (and bill) first (issue 13).

    "Before it can complete" is read as "within --warn-days" (default 14): a vendor
    completes an approved cancellation in hours or days, so a renewal months away cannot
    overtake it, and such a cancellation stays the two steps of DESIGN.md section 5."""
    if not sub.renewalStatus or not fires_soon:
        return ()
    return (
        SetAutoRenewStep(
            subscriptionId=d.id,
            customerId=sub.customerId or "",
            autoRenew=False,
            description="disable auto-renew before the cancellation completes",
        ),
    )
