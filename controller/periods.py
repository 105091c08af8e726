"""The renewal calendar on the client side: what one renewal order does to an expiry.

Used by the planner (terms and new expiry of a renew step) and by the executor (where
a renewal should land). One term of a ``subscriptionPeriod`` {type month|year, duration
n} moves a date n months (12n for year) later, keeping the subscription's **anchor day
of month**, clamped to the month's length: with anchor 31, Jan 31 -> Feb 28 (29 in a
leap year) -> Mar 31 -> Apr 30. Never cumulative clamping (Jan 31 -> Feb 28 -> Mar 28).
``type: day`` moves by n days. Any other type, or duration 0, cannot be counted.

The anchor is derived from the live subscription alone (``anchor_day``), so a stateless
client and the marketplace agree. The sandbox keeps its own implementation of the same
rule (it must not import client code, so a wrong idea cannot hide on both sides);
tests/plan/test_calendar_crosscheck.py holds the two together.
"""

from __future__ import annotations

import calendar
import datetime as dt

SUPPORTED_PERIOD_TYPES = frozenset({"month", "year", "day"})
# A hard stop for counting, far above any cap: a typo in renewThrough (year 2925) must
# become an error for that subscription, not a loop. The spending cap is
# --max-renewal-terms (controller/plan/guards.py), which refuses a run much earlier.
MAX_COUNTED_TERMS = 1200


class PeriodError(ValueError):
    """The period cannot be counted (unknown type, duration 0, absurd target)."""


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def anchor_day(expiry: dt.date, creation: dt.date | None) -> int:
    """The day of month renewals keep, from the live subscription.

    The creation day when the expiry was clamped (created Jan 31, expiry now Feb 28:
    the expiry is its month's last day and earlier in the month than the creation day);
    the expiry's own day otherwise.
    """
    clamped = expiry.day == _last_day(expiry.year, expiry.month)
    if creation is not None and clamped and creation.day > expiry.day:
        return creation.day
    return expiry.day


def add_months(day: dt.date, months: int, anchor: int | None = None) -> dt.date:
    """``day`` moved ``months`` later, on day ``anchor`` (default: its own day), clamped."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    keep = day.day if anchor is None else anchor
    return dt.date(year, month0 + 1, min(keep, _last_day(year, month0 + 1)))


def add_period(day: dt.date, period_type: str, duration: int, anchor: int | None = None) -> dt.date:
    """``day`` moved one subscription period later (what one renewal order does)."""
    if duration < 1:
        raise PeriodError(f"subscription period duration {duration} cannot be counted")
    if period_type == "month":
        return add_months(day, duration, anchor)
    if period_type == "year":
        return add_months(day, 12 * duration, anchor)
    if period_type == "day":
        return day + dt.timedelta(days=duration)
    raise PeriodError(f"subscription period type {period_type!r} cannot be counted")


def renew_until(
    expiry: dt.date,
    target: dt.date,
    period_type: str,
    duration: int,
    *,
    creation: dt.date | None = None,
) -> tuple[int, dt.date]:
    """Terms needed from ``expiry`` until the expiry is on or after ``target``, and the
    expiry after them, each term keeping the anchor day (see the module docstring)."""
    anchor = anchor_day(expiry, creation)
    terms = 0
    while expiry < target:
        expiry = add_period(expiry, period_type, duration, anchor)
        terms += 1
        if terms > MAX_COUNTED_TERMS:
            raise PeriodError(f"renewThrough {target} is more than {MAX_COUNTED_TERMS} terms away")
    return terms, expiry
