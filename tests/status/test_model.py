"""The status page's data and HTML without a browser: calendar, chart, orders, runs,
and hostile live data escaped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser

from controller.plan.planner import make_plan
from controller.status import model, render
from tests.plan.builders import NOW, declared, live, live_sub, options, order, state

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>"'


def _page() -> model.StatusPage:
    desired = state(
        declared("1", name="Yearly"),
        declared("2"),  # no label: the live (hostile) name is shown
        declared("3", name="Lapsing", autoRenew=False),
        declared("4", state="cancelled"),
    )
    observed = live(
        live_sub("1", totalPrice={"amount": "120.00", "currency": "GBP"}, renewalDate="2026-12-10",
                 expirationDate="2026-12-10"),
        live_sub("2", name=HOSTILE, customerId="2000", renewalDate="2026-11-30",
                 expirationDate="2026-11-30", subscriptionPeriod={"type": "month", "duration": 1},
                 totalPrice={"amount": "10.00", "currency": HOSTILE[:10]}),
        live_sub("3", renewalStatus=False, renewalDate="2027-01-05", expirationDate="2027-01-05",
                 totalPrice={"amount": "99.00", "currency": "GBP"}),
        live_sub("4"),
        orders=(order("9004", "4", status="processing", code="AP", age_hours=100),),
    )  # fmt: skip
    plan = make_plan(desired, observed, options())
    journal = [
        {"time": "2026-11-24T10:00:00+00:00", "revision": "a" * 40, "action": "renew",
         "outcome": "succeeded", "subscription": "1"},
        {"time": "2026-11-24T10:00:05+00:00", "revision": "a" * 40, "action": "approve",
         "outcome": "failed", "subscription": "4"},
        {"time": "2026-11-25T11:00:00+00:00", "revision": "b" * 40, "action": "withdraw",
         "outcome": "succeeded", "subscription": "4"},
        {"not": "a journal line"},
    ]  # fmt: skip
    return model.build(plan, observed, journal, NOW)


def test_calendar_lists_each_renewal_in_the_next_90_days() -> None:
    page = _page()
    entries = sorted(
        (day.isoformat(), e.subscription, e.renews)
        for month in page.months
        for day, found in month.entries.items()
        for e in found
    )
    # 2 is monthly: 30 Nov, 30 Dec, 30 Jan (today is 25 Nov 2026, the window ends 23 Feb).
    assert entries == [
        ("2026-11-30", "2", True),
        ("2026-12-10", "1", True),
        ("2026-12-30", "2", True),
        ("2027-01-05", "3", False),
        ("2027-01-30", "2", True),
    ]
    assert page.calendar_count == 5  # 4 expires 2027-03-31: beyond the window
    assert [m.title for m in page.months] == [
        "November 2026", "December 2026", "January 2027", "February 2027"
    ]  # fmt: skip


def test_cost_per_month_counts_auto_renewing_subscriptions_only() -> None:
    page = _page()
    gbp = next(c for c in page.charts if c.currency == "GBP")
    amounts = {b.label: b.amount for b in gbp.bars}
    assert len(gbp.bars) == 12
    assert amounts["Dec 26"] == Decimal("120.00")  # 3 (auto-renew off) is not charged
    assert amounts["Jan 27"] == Decimal(0)
    assert gbp.total == Decimal("120.00")


def test_orders_and_runs() -> None:
    page = _page()
    assert [(o.order, o.stuck, o.by_subctl) for o in page.orders] == [("SO9004", True, True)]
    assert [(r.revision, r.writes, dict(r.outcomes)) for r in page.runs] == [
        ("b" * 12, 1, {"succeeded": 1}),
        ("a" * 12, 2, {"failed": 1, "succeeded": 1}),
    ]


def test_runs_split_on_a_quiet_gap() -> None:
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    lines = [
        {"time": (t0 + dt.timedelta(minutes=m)).isoformat(), "revision": "r", "outcome": "ok"}
        for m in (0, 1, 2, 30, 31)
    ]
    assert [r.writes for r in model.runs(lines)] == [2, 3]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_hostile_live_data_is_escaped_and_nothing_is_fetched() -> None:
    html = render.render(_page())
    parser = _Tags()
    parser.feed(html)
    assert "script" not in parser.tags
    assert "img" not in parser.tags
    assert not [a for a in parser.attrs if a[0].startswith("on")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the live name
    assert "10.00 &lt;script&gt;al" in html  # the live currency
    # Offline: no stylesheet, script or image from anywhere (the SVG namespace is a name).
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html


def test_days_outside_the_90_day_window_are_marked() -> None:
    html = render.render(_page())
    # Today is 25 Nov 2026: 24 Nov is before the window, 23 Feb 2027 its last day.
    assert html.count('class="day outside"') == 24 + 5  # 1..24 Nov, 24..28 Feb
    assert _page().window == (dt.date(2026, 11, 25), dt.date(2027, 2, 23))
