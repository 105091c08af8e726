"""The order state machine and renewal date arithmetic of the sandbox marketplace.

Not published by the real API, so ours, and kept in this one module so it can change
(DESIGN.md section 4). The store calls these functions inside its transactions; they
are pure and know nothing of SQL or HTTP.

    cancellation:  PA submitted --AP--> AP processing --vendor delay--> CP completed
                   PA / AP / ER --CL--> CL cancelled      (subscription -> terminated at CP)
    renewal:       created CP completed at once           (expiry moves one period later)
"""

from __future__ import annotations

import calendar
import datetime as dt

from controller.marketplace.models import (
    CODE_APPROVED,
    CODE_COMPLETED,
    CODE_ERROR,
    CODE_PENDING_APPROVAL,
    CODE_WITHDRAWN,
    OrderStatus,
    OrderType,
)
from controller.sandbox.problems import Refused

STATUS_FOR_CODE: dict[str, OrderStatus] = {
    CODE_PENDING_APPROVAL: OrderStatus.SUBMITTED,
    CODE_APPROVED: OrderStatus.PROCESSING,
    CODE_COMPLETED: OrderStatus.COMPLETED,
    CODE_WITHDRAWN: OrderStatus.CANCELLED,
    CODE_ERROR: OrderStatus.ERROR,
}
OPEN_CODES = frozenset({CODE_PENDING_APPROVAL, CODE_APPROVED})
SUPPORTED_TYPES = frozenset({OrderType.RENEWAL, OrderType.CANCELLATION})


def status_for(code: str) -> OrderStatus:
    try:
        return STATUS_FOR_CODE[code]
    except KeyError:
        raise ValueError(f"unknown order status code {code!r}") from None


def initial_code(order_type: OrderType) -> str:
    """A cancellation waits for approval; a renewal completes as it is placed."""
    return CODE_PENDING_APPROVAL if order_type is OrderType.CANCELLATION else CODE_COMPLETED


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

    The anchor is the day the date had when it was seeded, so Jan 31 + 1 month is
    Feb 28 (29 in leap years) and one month more is Mar 31 again, not Mar 28.
    """
    if period_type == "month":
        return _add_months(day, duration, anchor_day)
    if period_type == "year":
        return _add_months(day, 12 * duration, anchor_day)
    if period_type == "day":
        return day + dt.timedelta(days=duration)
    raise Refused(400, f"The sandbox cannot renew a subscription period of type {period_type!r}")
