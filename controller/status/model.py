"""What the status page shows, computed from a plan, the live state and the journal.

Pure: (plan, live state, journal lines, today) -> ``StatusPage``; no I/O, no HTML. The
templates (render.py) only lay this out, so every number on the page is tested here
and in the browser test. Live data is hostile (names, currencies come from the
marketplace): it is never formatted into markup here; Jinja2 escapes it on output.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from controller.marketplace.models import Order, Subscription
from controller.periods import SUPPORTED_PERIOD_TYPES, add_months, add_period
from controller.plan.inputs import LiveState
from controller.plan.model import Plan

CALENDAR_DAYS = 90
CHART_MONTHS = 12
RUNS_SHOWN = 10
# Journal lines further apart than this belong to different runs (the journal has no
# run id: a run's writes are seconds apart, two scheduled runs an hour).
RUN_GAP = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    desired: str
    live: str
    auto_renew: bool | None
    expiry: dt.date | None
    days: int | None
    price: str  # "70.50 GBP" per period, or ""
    period: str  # "1 year"
    status: str  # the plan's: in-sync, change, error, in-progress, drift
    pending: str  # what apply would do, one line
    source: str


@dataclass(frozen=True)
class Customer:
    id: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class CalendarEntry:
    day: dt.date
    subscription: str
    customer: str
    renews: bool  # auto-renew on: a charge; off: the subscription lapses
    price: str


@dataclass(frozen=True)
class Month:
    title: str  # "December 2026"
    weeks: tuple[tuple[dt.date | None, ...], ...]  # Monday first; None outside the month
    entries: Mapping[dt.date, tuple[CalendarEntry, ...]]


@dataclass(frozen=True)
class Bar:
    label: str  # "Dec 26"
    amount: Decimal


@dataclass(frozen=True)
class Chart:
    currency: str
    bars: tuple[Bar, ...]
    total: Decimal

    @property
    def peak(self) -> Decimal:
        return max((b.amount for b in self.bars), default=Decimal(0)) or Decimal(1)


@dataclass(frozen=True)
class OpenOrder:
    order: str
    subscription: str
    type: str
    status: str
    created: str
    age_hours: float | None
    stuck: bool
    by_subctl: bool


@dataclass(frozen=True)
class Run:
    started: str
    finished: str
    revision: str
    writes: int
    outcomes: Mapping[str, int]
    actions: Mapping[str, int]


@dataclass(frozen=True)
class StatusPage:
    generated: str
    target: str
    revision: str
    customers: tuple[Customer, ...]
    months: tuple[Month, ...]
    calendar_count: int
    charts: tuple[Chart, ...]
    orders: tuple[OpenOrder, ...]
    runs: tuple[Run, ...]
    totals: Mapping[str, int] = field(default_factory=dict)
    window: tuple[dt.date, dt.date] | None = None  # the calendar's first and last day


def _price(sub: Subscription | None) -> str:
    if sub is None or sub.totalPrice is None:
        return ""
    return f"{sub.totalPrice.amount} {sub.totalPrice.currency}"


def _period(sub: Subscription | None) -> str:
    if sub is None or sub.subscriptionPeriod is None:
        return ""
    p = sub.subscriptionPeriod
    return f"{p.duration} {p.type}{'s' if p.duration > 1 else ''}"


def _customers(plan: Plan, live: LiveState) -> tuple[Customer, ...]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for planned in plan.subscriptions:
        sub = live.subscriptions.get(planned.id)
        grouped[planned.customerId or "unknown"].append(
            Row(
                id=planned.id,
                name=planned.name or (sub.name if sub else ""),
                desired=planned.desiredState,
                live=planned.liveStatus or "not found",
                auto_renew=planned.autoRenew,
                expiry=planned.expirationDate,
                days=planned.daysToRenewal,
                price=_price(sub),
                period=_period(sub),
                status=planned.status,
                pending="; ".join(s.description for s in planned.steps),
                source=planned.source,
            )
        )
    return tuple(Customer(cid, tuple(rows)) for cid, rows in sorted(grouped.items()))


def _renewal_dates(sub: Subscription, start: dt.date, end: dt.date) -> Iterable[dt.date]:
    """The subscription's renewal (or expiry) dates in [start, end]: the next one, and
    the ones after it while auto-renew keeps it going."""
    day = sub.renewalDate or sub.expirationDate
    period = sub.subscriptionPeriod
    while day is not None and day <= end:
        if day >= start:
            yield day
        if not sub.renewalStatus or period is None or period.type not in SUPPORTED_PERIOD_TYPES:
            return
        day = add_period(day, period.type, period.duration)


def _active(plan: Plan, live: LiveState) -> list[Subscription]:
    subs = (live.subscriptions.get(p.id) for p in plan.subscriptions)
    return [s for s in subs if s is not None and s.status_text == "active"]


def _months(entries: Sequence[CalendarEntry], today: dt.date, end: dt.date) -> tuple[Month, ...]:
    by_day: dict[dt.date, list[CalendarEntry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.day].append(entry)
    months = []
    first = today.replace(day=1)
    while first <= end:
        weeks = tuple(
            tuple(d if d.month == first.month else None for d in week)
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(
                first.year, first.month
            )
        )
        days = {
            d: tuple(v) for d, v in by_day.items() if (d.year, d.month) == (first.year, first.month)
        }
        months.append(Month(first.strftime("%B %Y"), weeks, days))
        first = add_months(first, 1)
    return tuple(months)


def _calendar(plan: Plan, live: LiveState, today: dt.date) -> tuple[list[CalendarEntry], dt.date]:
    end = today + dt.timedelta(days=CALENDAR_DAYS)
    entries = [
        CalendarEntry(day, sub.id, sub.customerId or "", bool(sub.renewalStatus), _price(sub))
        for sub in _active(plan, live)
        for day in _renewal_dates(sub, today, end)
    ]
    entries.sort(key=lambda e: (e.day, e.customer, e.subscription))
    return entries, end


def _charts(plan: Plan, live: LiveState, today: dt.date) -> tuple[Chart, ...]:
    """Renewal charges per month for the next CHART_MONTHS months, one chart per currency
    (only auto-renewing subscriptions are charged)."""
    first = today.replace(day=1)
    keys = [add_months(first, i) for i in range(CHART_MONTHS)]
    end = add_months(first, CHART_MONTHS) - dt.timedelta(days=1)
    sums: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: dict.fromkeys(keys, Decimal(0)))
    for sub in _active(plan, live):
        if not sub.renewalStatus or sub.totalPrice is None:
            continue
        for day in _renewal_dates(sub, today, end):
            month = day.replace(day=1)
            cur = sums[sub.totalPrice.currency]
            cur[month] = cur[month] + sub.totalPrice.value
    charts = []
    for currency, per_month in sorted(sums.items()):
        bars = tuple(Bar(m.strftime("%b %y"), per_month[m]) for m in keys)
        charts.append(Chart(currency, bars, sum((b.amount for b in bars), Decimal(0))))
    return tuple(charts)


def _orders(plan: Plan, live: LiveState, now: dt.datetime) -> tuple[OpenOrder, ...]:
    stuck = {s.orderId for s in plan.stuck}
    seen: dict[str, Order] = {}
    for orders in live.orders.values():
        for o in orders:
            if o.is_open or o.status_text == "error":
                seen[o.id] = o
    for o in live.unmanaged_stuck:
        seen.setdefault(o.id, o)
    out = []
    for o in seen.values():
        age = (now - o.creationDate).total_seconds() / 3600 if o.creationDate else None
        out.append(
            OpenOrder(
                order=o.display_name,
                subscription=o.subscriptionId or "",
                type=o.type.value,
                status=f"{o.status_text} ({o.statusCode})" if o.statusCode else o.status_text,
                created=o.creationDate.isoformat(timespec="minutes") if o.creationDate else "",
                age_hours=round(age, 1) if age is not None else None,
                stuck=o.id in stuck,
                by_subctl=o.placed_by_subctl,
            )
        )
    out.sort(key=lambda r: (not r.stuck, -(r.age_hours or 0), r.order))
    return tuple(out)


def _time(line: Mapping[str, Any]) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(line.get("time")))
    except ValueError:
        return None


def runs(journal: Sequence[Mapping[str, Any]], limit: int = RUNS_SHOWN) -> tuple[Run, ...]:
    """The last runs in the journal, newest first: lines grouped by revision, a new run
    starting wherever RUN_GAP passes without a write."""
    timed = sorted(((t, line) for line in journal if (t := _time(line))), key=lambda p: p[0])
    groups: list[list[tuple[dt.datetime, Mapping[str, Any]]]] = []
    for when, line in timed:
        last = groups[-1][-1] if groups else None
        if last and when - last[0] <= RUN_GAP and last[1].get("revision") == line.get("revision"):
            groups[-1].append((when, line))
        else:
            groups.append([(when, line)])
    out = []
    for group in reversed(groups[-limit:]):
        outcomes: dict[str, int] = defaultdict(int)
        actions: dict[str, int] = defaultdict(int)
        for _, line in group:
            outcomes[str(line.get("outcome"))] += 1
            actions[str(line.get("action"))] += 1
        out.append(
            Run(
                started=group[0][0].isoformat(timespec="seconds"),
                finished=group[-1][0].isoformat(timespec="seconds"),
                revision=str(group[0][1].get("revision") or "unknown")[:12],
                writes=len(group),
                outcomes=dict(sorted(outcomes.items())),
                actions=dict(sorted(actions.items())),
            )
        )
    return tuple(out)


def build(
    plan: Plan, live: LiveState, journal: Sequence[Mapping[str, Any]], now: dt.datetime
) -> StatusPage:
    today = now.date()
    entries, end = _calendar(plan, live, today)
    totals = plan.totals
    return StatusPage(
        generated=now.isoformat(timespec="seconds"),
        target=plan.target,
        revision=plan.revision or "unknown",
        customers=_customers(plan, live),
        months=_months(entries, today, end),
        calendar_count=len(entries),
        charts=_charts(plan, live, today),
        orders=_orders(plan, live, now),
        runs=runs(journal),
        totals={
            "managed": totals.managed,
            "in sync": totals.inSync,
            "changes": totals.changes,
            "errors": totals.errors,
            "in progress": totals.inProgress,
            "drift": totals.drift,
            "stuck": totals.stuck,
            "unmanaged": totals.unmanaged,
        },
        window=(today, end),
    )
