"""Which extra reads a declared subscription needs before it can be planned.

Asked by ``controller/observe.py`` as each declared subscription arrives during the
listing (and by ``controller/show.py``), so the reads start early: a renewal's price
estimate (shown and guarded by ``--max-cost``) and a cancellation's withdrawn orders
(named in the cancel step). Answered from the planner's own predicates (``gates.py``),
in the planner's order, without planning: it is the question "will the plan have a
renew step / a cancel step", and neither answer depends on those reads.
"""

from __future__ import annotations

from enum import Enum

from controller.marketplace.models import Order, OrderType, Subscription, SubscriptionStatus
from controller.plan.gates import (
    GONE,
    Terms,
    active_issue,
    cancel_issue,
    guard_issue,
    open_cancellation,
    open_orders,
    renewal,
    status_issue,
)
from controller.spec.models import DesiredSubscription


class ExtraRead(Enum):
    PRICE = "renewal price"  # POST /orders/estimate for the renewal
    HISTORY = "cancellation history"  # the subscription's withdrawn cancellation orders


def extra_read(
    d: DesiredSubscription, sub: Subscription, orders: tuple[Order, ...]
) -> ExtraRead | None:
    """The read the plan of ``d`` needs, given its live subscription and open/failed
    orders; None when it will have neither a renew nor a cancel step."""
    if d.mode == "observe" or guard_issue(d, sub) is not None:
        return None
    if status_issue(sub) is not None or sub.status is SubscriptionStatus.PENDING:
        return None
    if not sub.customerId:
        return None  # any step is an error without it (planner._plan_one)
    if d.state == "active":
        cancellations = open_orders(orders, OrderType.CANCELLATION)
        clear = active_issue(d, sub, cancellations) is None
        return ExtraRead.PRICE if clear and isinstance(renewal(d, sub, orders), Terms) else None
    if sub.status in GONE or cancel_issue(d, orders) is not None:
        return None
    return ExtraRead.HISTORY if open_cancellation(orders) is None else None
