"""The planner's decisions as pure predicates: one place for each rule of DESIGN.md section 5.

Used by the per-subscription planners (``planner.py``, ``active.py``, ``cancelled.py``)
to decide, and by ``reads.py`` to know before the plan which extra reads a subscription
needs (a renewal's price, a cancellation's history): both ask these same functions, so
"this will renew" and "this will cancel" cannot mean two things. No model is built here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from controller.marketplace.conventions import OpenState, open_state
from controller.marketplace.models import (
    Order,
    OrderStatus,
    OrderType,
    Subscription,
    SubscriptionStatus,
)
from controller.periods import SUPPORTED_PERIOD_TYPES, PeriodError, renew_until
from controller.plan.model import IssueCode
from controller.plan.planned import Blocked
from controller.spec.models import DesiredSubscription

GONE = frozenset({SubscriptionStatus.TERMINATED, SubscriptionStatus.REMOVED})


@dataclass(frozen=True, slots=True)
class Terms:
    """A renewal to place: how many terms, and the expiry after them."""

    count: int
    new_expiry: dt.date


def open_orders(orders: tuple[Order, ...], kind: OrderType) -> list[Order]:
    return [o for o in orders if o.type is kind and o.is_open]


def order_sort_key(order: Order) -> tuple[dt.datetime, str]:
    created = order.creationDate or dt.datetime.min.replace(tzinfo=dt.UTC)
    return (created, order.id.zfill(20))


def unseen(sub_id: str, unreadable: Mapping[str, str]) -> Blocked:
    """A declared subscription the listing did not give, or gave unusable."""
    if sub_id not in unreadable:
        return Blocked(IssueCode.NOT_FOUND, f"subscription {sub_id} not found in the marketplace")
    return Blocked(
        IssueCode.UNREADABLE,
        f"could not read its live state ({unreadable[sub_id]}); nothing done this run",
    )


def guard_issue(d: DesiredSubscription, sub: Subscription) -> Blocked | None:
    """The declaration's customerId and product guards against the live subscription."""
    if d.customerId is not None and sub.customerId is None:
        return Blocked(
            IssueCode.UNREADABLE,
            "live customerId missing: the customerId guard cannot be checked; nothing done",
        )
    if d.customerId is not None and d.customerId != sub.customerId:
        return Blocked(
            IssueCode.GUARD_MISMATCH,
            f"belongs to customer {sub.customerId}, spec says {d.customerId}; nothing done",
        )
    if d.product is not None and d.product != sub.name:
        return Blocked(
            IssueCode.GUARD_MISMATCH,
            f"is {sub.name!r}, spec says product {d.product!r}; nothing done",
        )
    return None


def status_issue(sub: Subscription) -> Blocked | None:
    """A live status an enforced subscription cannot be planned from (pending is not an
    error: it is in progress)."""
    if sub.status is None or sub.status is SubscriptionStatus.UNKNOWN:
        what = "missing" if sub.status is None else "unknown"
        return Blocked(IssueCode.UNREADABLE, f"live status {what}; nothing done")
    if sub.status is SubscriptionStatus.HOLD:
        return Blocked(IssueCode.ON_HOLD, "is on hold: resolve the hold in the marketplace first")
    return None


def active_issue(
    d: DesiredSubscription, sub: Subscription, cancellations: list[Order]
) -> Blocked | None:
    """Why ``state: active`` cannot be planned, checked in this order. ``cancellations``:
    the open cancellation orders (``open_orders``), in the order they were listed."""
    if sub.status in GONE:
        return Blocked(
            IssueCode.IRREVERSIBLE,
            f"is {sub.status.value}: cannot be made active again, it needs a new purchase",
        )
    for order in cancellations:
        if open_state(order) is not OpenState.UNKNOWN and not order.placed_by_subctl:
            return Blocked(
                IssueCode.PORTAL_CANCELLATION,
                f"has open cancellation order {order.display_name} placed outside subctl; "
                "decide whether git or the portal is right (withdraw it there, or declare "
                "the subscription cancelled)",
                order,
            )
    if d.autoRenew is not None and sub.renewalStatus is None:
        return Blocked(
            IssueCode.UNREADABLE, "live renewalStatus missing: cannot compare auto-renew"
        )
    if d.renewThrough is not None and sub.expirationDate is None:
        return Blocked(
            IssueCode.UNREADABLE, "live expirationDate missing: cannot count renewal terms"
        )
    return None


def renewal(
    d: DesiredSubscription, sub: Subscription, orders: tuple[Order, ...]
) -> Terms | Order | Blocked | None:
    """The rule "this will renew": ``Terms`` to place; an open renewal ``Order`` already
    renewing it; ``Blocked`` when the terms cannot be counted; None when nothing is due."""
    expiry = sub.expirationDate
    if d.renewThrough is None or expiry is None or d.renewThrough <= expiry:
        return None
    open_renewals = open_orders(orders, OrderType.RENEWAL)
    if open_renewals:
        return open_renewals[0]
    period = sub.subscriptionPeriod
    if period is None or period.type not in SUPPORTED_PERIOD_TYPES:
        kind = period.type if period else "missing"
        return Blocked(
            IssueCode.UNKNOWN_PERIOD,
            f"subscription period {kind!r} is not month, year or day; cannot count renewal terms",
        )
    if period.duration < 1:
        return Blocked(
            IssueCode.UNKNOWN_PERIOD,
            f"subscription period duration {period.duration}; cannot count renewal terms",
        )
    try:
        count, new_expiry = renew_until(
            expiry, d.renewThrough, period.type, period.duration, creation=sub.creationDate
        )
    except PeriodError as err:
        return Blocked(IssueCode.UNKNOWN_PERIOD, str(err))
    return Terms(count, new_expiry)


def cancel_issue(d: DesiredSubscription, orders: tuple[Order, ...]) -> Blocked | None:
    """Why a live subscription declared cancelled gets no cancellation now."""
    # Unreachable from specs (the model refuses protected + cancelled); kept as defence
    # in depth because a cancellation is irreversible. Tested past the model.
    if d.protected:
        return Blocked(IssueCode.PROTECTED, "is protected: subctl refuses to cancel it")
    failed = [
        o for o in orders if o.type is OrderType.CANCELLATION and o.status is OrderStatus.ERROR
    ]
    if failed:
        latest = max(failed, key=order_sort_key)
        return Blocked(
            IssueCode.ORDER_ERROR,
            f"cancellation order {latest.display_name} is in error; no new order until a "
            "human withdraws it (CL) in the marketplace",
            latest,
        )
    return None


def open_cancellation(orders: tuple[Order, ...]) -> Order | None:
    """The latest open cancellation order: the rule "this will cancel" is "there is none"."""
    open_ = open_orders(orders, OrderType.CANCELLATION)
    return max(open_, key=order_sort_key) if open_ else None
