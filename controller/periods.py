"""Calendar arithmetic for subscription periods, shared by planner and sandbox.

One term of a ``subscriptionPeriod`` moves a date by N months or N years. Month ends
clamp (31 January + 1 month = 28/29 February) so that a renewal never lands in the
following month. Kept apart so the plan's "new expiry" and the marketplace model
compute the same date.
"""

from __future__ import annotations

import calendar
import datetime as dt

SUPPORTED_PERIOD_TYPES = frozenset({"month", "year"})


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def add_period(day: dt.date, period_type: str, duration: int) -> dt.date:
    """``day`` moved one subscription period later (what one renewal order does)."""
    if period_type == "month":
        return add_months(day, duration)
    if period_type == "year":
        return add_months(day, 12 * duration)
    raise ValueError(f"unsupported subscription period type {period_type!r}")


def renew_until(
    expiry: dt.date, target: dt.date, period_type: str, duration: int
) -> tuple[int, dt.date]:
    """Terms needed from ``expiry`` until the expiry is on or after ``target``, and the
    expiry after them. Term by term, as the marketplace applies renewal orders one at a
    time (so month-end clamping accumulates: 31 Jan, 28 Feb, 28 Mar)."""
    terms = 0
    while expiry < target:
        expiry = add_period(expiry, period_type, duration)
        terms += 1
        if terms > 1200:  # a century of monthly terms: a typo in renewThrough, not a plan
            raise ValueError(f"renewThrough {target} is more than 1200 terms away")
    return terms, expiry
