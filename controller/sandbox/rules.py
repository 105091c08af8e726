"""The order state machine and renewal date arithmetic of the sandbox marketplace.

Not published by the real API, so ours, and kept in this one module so it can change
(DESIGN.md section 4). The store calls these functions inside its transactions; they
are pure and know nothing of SQL or HTTP.

    cancellation:  PA submitted --AP--> AP processing --vendor delay--> CP completed
                   PA / AP / ER --CL--> CL cancelled      (subscription -> terminated at CP)
    renewal:       renewal delay 0 (profile full): created CP completed at once
                   otherwise: SB submitted --half the delay--> PR processing --the rest-->
                   CP completed                           (expiry moves one period later at CP)

The codes SB and PR are the sandbox's own invention for an open renewal (the real
platform's are unpublished); they are deliberately neither PA nor AP, so a client that
takes every open order for a pending or approved cancellation is caught out.
"""

from __future__ import annotations

import calendar
import datetime as dt

from controller.sandbox.problems import Refused
from controller.sandbox.published import OrderStatus, OrderType

# Order status codes: not published, ours.
CODE_PENDING_APPROVAL = "PA"
CODE_APPROVED = "AP"
CODE_COMPLETED = "CP"
CODE_WITHDRAWN = "CL"
CODE_ERROR = "ER"
CODE_RENEWAL_SUBMITTED = "SB"
CODE_RENEWAL_PROCESSING = "PR"

# The attribute a cancellation order must carry: not published, ours.
ATTR_CANCELLATION_REASON = "cancellationReason"

STATUS_FOR_CODE: dict[str, OrderStatus] = {
    CODE_PENDING_APPROVAL: OrderStatus.SUBMITTED,
    CODE_APPROVED: OrderStatus.PROCESSING,
    CODE_COMPLETED: OrderStatus.COMPLETED,
    CODE_WITHDRAWN: OrderStatus.CANCELLED,
    CODE_ERROR: OrderStatus.ERROR,
    CODE_RENEWAL_SUBMITTED: OrderStatus.SUBMITTED,
    CODE_RENEWAL_PROCESSING: OrderStatus.PROCESSING,
}
# For a seed that gives a status but no statusCode (a dump may lack the code).
CODE_FOR_STATUS: dict[OrderStatus, str] = {
    OrderStatus.SUBMITTED: CODE_PENDING_APPROVAL,
    OrderStatus.PROCESSING: CODE_APPROVED,
    OrderStatus.COMPLETED: CODE_COMPLETED,
    OrderStatus.CANCELLED: CODE_WITHDRAWN,
    OrderStatus.ERROR: CODE_ERROR,
}
RENEWAL_CODE_FOR_STATUS: dict[OrderStatus, str] = {
    **CODE_FOR_STATUS,
    OrderStatus.SUBMITTED: CODE_RENEWAL_SUBMITTED,
    OrderStatus.PROCESSING: CODE_RENEWAL_PROCESSING,
}
OPEN_CODES = frozenset(
    {CODE_PENDING_APPROVAL, CODE_APPROVED, CODE_RENEWAL_SUBMITTED, CODE_RENEWAL_PROCESSING}
)
SUPPORTED_TYPES = frozenset({OrderType.RENEWAL, OrderType.CANCELLATION})


def status_for(code: str) -> OrderStatus:
    try:
        return STATUS_FOR_CODE[code]
    except KeyError:
        raise ValueError(f"unknown order status code {code!r}") from None


def initial_code(order_type: OrderType, renewal_delay: float) -> str:
    """A cancellation waits for approval; a renewal completes at once or is submitted."""
    if order_type is OrderType.CANCELLATION:
        return CODE_PENDING_APPROVAL
    return CODE_RENEWAL_SUBMITTED if renewal_delay > 0 else CODE_COMPLETED


def code_for_status(order_type: str, status: OrderStatus) -> str:
    """The code a seeded order without ``statusCode`` gets from its published status."""
    table = RENEWAL_CODE_FOR_STATUS if order_type == OrderType.RENEWAL else CODE_FOR_STATUS
    return table[status]


def calendar_anchor(expires: dt.date, created: dt.date | None) -> int:
    """The day of month a subscription's terms keep (the renewal calendar rule).

    The creation day when the expiry looks clamped (it is the last day of its month and
    earlier in the month than the creation day: created Jan 31, expiring Feb 28), the
    expiry's own day otherwise. The client has its own copy; a test cross-checks them.
    """
    last = calendar.monthrange(expires.year, expires.month)[1]
    if created is not None and expires.day == last and created.day > expires.day:
        return created.day
    return expires.day


def next_code(current: str, requested: str, order_number: str) -> str:
    """The status code an order moves to when a client PATCHes ``statusCode``."""
    if requested == CODE_APPROVED:
        if current != CODE_PENDING_APPROVAL:
            raise Refused(
                400,
                f"Order {order_number} cannot be approved: it is "
                f"{status_for(current).value} ({current}), not pending approval (PA)",
            )
        return CODE_APPROVED
    if requested == CODE_WITHDRAWN:
        if current in (CODE_COMPLETED, CODE_WITHDRAWN):
            raise Refused(
                400,
                f"Order {order_number} cannot be withdrawn: it is already "
                f"{status_for(current).value} ({current})",
            )
        return CODE_WITHDRAWN
    raise Refused(400, f"statusCode must be AP (approve) or CL (withdraw), not {requested[:20]!r}")


def _add_months(day: dt.date, months: int, anchor_day: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(anchor_day, last))


def add_period(day: dt.date, period_type: str, duration: int, anchor_day: int) -> dt.date:
    """``day`` moved ``duration`` periods later, keeping the day-of-month ``anchor_day``.

    The anchor comes from ``calendar_anchor`` at seed time, so with anchor 31, Jan 31 + 1
    month is Feb 28 (29 in leap years) and one month more is Mar 31 again, not Mar 28.
    """
    if duration < 1:
        raise Refused(400, f"The sandbox cannot renew a subscription period of {duration} terms")
    if period_type == "month":
        return _add_months(day, duration, anchor_day)
    if period_type == "year":
        return _add_months(day, 12 * duration, anchor_day)
    if period_type == "day":
        return day + dt.timedelta(days=duration)
    raise Refused(400, f"The sandbox cannot renew a subscription period of type {period_type!r}")
