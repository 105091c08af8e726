"""Time in a plan: stuck orders and the renewal horizon. Pure helpers of the planner.

A reviewer should see what the clock will do before a merge does anything: an open
order older than ``--stuck-after``, and auto-renew firing within ``--warn-days`` on a
subscription whose declaration disagrees (or that nobody declared).
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.marketplace.models import Order, Subscription, SubscriptionStatus
from controller.plan.inputs import PlanOptions
from controller.plan.model import StuckOrder, Warning_
from controller.spec.models import DesiredSubscription


def stuck_orders(sub_id: str, orders: Iterable[Order], options: PlanOptions) -> list[StuckOrder]:
    stuck: list[StuckOrder] = []
    for order in orders:
        if not order.is_open or order.creationDate is None:
            continue
        age = options.now - order.creationDate
        if age > options.stuck_after:
            stuck.append(
                StuckOrder(
                    subscriptionId=sub_id,
                    orderId=order.id,
                    orderNumber=order.orderNumber,
                    type=order.type.value,
                    status=order.status_text,
                    ageHours=round(age.total_seconds() / 3600, 1),
                )
            )
    return stuck


def renews_within(sub: Subscription, options: PlanOptions) -> int | None:
    """Days until auto-renew fires, when it is on and fires within the warning window."""
    day = sub.renewalDate or sub.expirationDate
    if not sub.renewalStatus or day is None or sub.status is not SubscriptionStatus.ACTIVE:
        return None
    days = (day - options.now.date()).days
    return days if 0 <= days <= options.warn_days else None


def managed_warning(
    d: DesiredSubscription, sub: Subscription, options: PlanOptions
) -> Warning_ | None:
    days = renews_within(sub, options)
    if days is None or not (d.state == "cancelled" or d.autoRenew is False):
        return None
    declared = "state cancelled" if d.state == "cancelled" else "autoRenew: false"
    observe = " (observe mode: subctl will not change it)" if d.mode == "observe" else ""
    return Warning_(
        subscriptionId=d.id,
        message=(
            f"auto-renew fires in {days} day{'s' if days != 1 else ''} "
            f"({sub.renewalDate or sub.expirationDate}) but the spec declares "
            f"{declared}{observe}"
        ),
    )


def unmanaged_warnings(subs: Iterable[Subscription], options: PlanOptions) -> list[Warning_]:
    warnings: list[Warning_] = []
    for sub in subs:
        days = renews_within(sub, options)
        if days is not None:
            warnings.append(
                Warning_(
                    subscriptionId=sub.id,
                    message=f"unmanaged subscription auto-renews in {days} days "
                    f"({sub.renewalDate or sub.expirationDate})",
                )
            )
    return warnings
