"""Time passing in the sandbox: the vendor and open renewals, settled lazily.

The store calls ``settle`` at the start of every transaction: approved orders whose
vendor delay has passed are completed (an indexed range query on approved orders), and
open renewals (SB, then PR) move on from their creation time and the renewal delay. No
background thread, so any clock can drive it. ``renew`` moves a subscription's dates one
term, by rules.add_period and the anchors fixed at seed time.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import suppress

from controller.sandbox import render, rules
from controller.sandbox.problems import Refused
from controller.sandbox.published import OrderType, SubscriptionStatus
from controller.sandbox.rules import (
    CODE_COMPLETED,
    CODE_RENEWAL_PROCESSING,
    CODE_RENEWAL_SUBMITTED,
)


def settle(
    conn: sqlite3.Connection, now: dt.datetime, vendor_delay: float, renewal_delay: float
) -> None:
    _settle_vendor(conn, now, vendor_delay)
    _settle_renewals(conn, now, renewal_delay)


def _complete(conn: sqlite3.Connection, order_id: int) -> None:
    conn.execute(
        "UPDATE orders SET status = ?, status_code = ? WHERE id = ?",
        (rules.status_for(CODE_COMPLETED).value, CODE_COMPLETED, order_id),
    )


def _subscription(conn: sqlite3.Connection, sub_id: int) -> sqlite3.Row:
    row: sqlite3.Row = conn.execute(
        "SELECT * FROM subscriptions WHERE id = ?", (sub_id,)
    ).fetchone()
    return row


def _settle_vendor(conn: sqlite3.Connection, now: dt.datetime, vendor_delay: float) -> None:
    delay = dt.timedelta(seconds=vendor_delay)
    due = conn.execute(
        "SELECT * FROM orders WHERE status_code = 'AP' AND approved_at <= ? ORDER BY id",
        (render.store_instant(now - delay),),
    ).fetchall()
    for row in due:
        done = render.parse_instant(row["approved_at"]) + delay
        _complete(conn, row["id"])
        sub = _subscription(conn, row["subscription_id"])
        if row["type"] == OrderType.CANCELLATION:
            conn.execute(
                "UPDATE subscriptions SET status = ?, renewal_status = 0, "
                "last_modified_date = ? WHERE id = ?",
                (SubscriptionStatus.TERMINATED.value, done.date().isoformat(), sub["id"]),
            )
        elif row["type"] == OrderType.RENEWAL:
            # Only a seeded renewal can be approved; one that cannot move its dates
            # still completes, or every later request would fail on it.
            with suppress(Refused):
                renew(conn, sub, done.date())


def _settle_renewals(conn: sqlite3.Connection, now: dt.datetime, renewal_delay: float) -> None:
    """Open renewals: submitted for half the renewal delay, processing, then completed."""
    delay = dt.timedelta(seconds=renewal_delay)
    due = conn.execute(
        "SELECT * FROM orders WHERE status_code IN (?, ?) AND creation_date <= ? ORDER BY id",
        (CODE_RENEWAL_SUBMITTED, CODE_RENEWAL_PROCESSING, render.store_instant(now - delay)),
    ).fetchall()
    for row in due:
        _complete(conn, row["id"])
        # The expiry moves when the order completes; one that cannot move still completes.
        with suppress(Refused):
            renew(
                conn,
                _subscription(conn, row["subscription_id"]),
                (render.parse_instant(row["creation_date"]) + delay).date(),
            )
    conn.execute(
        "UPDATE orders SET status = ?, status_code = ? WHERE status_code = ? "
        "AND creation_date <= ?",
        (
            rules.status_for(CODE_RENEWAL_PROCESSING).value,
            CODE_RENEWAL_PROCESSING,
            CODE_RENEWAL_SUBMITTED,
            render.store_instant(now - delay / 2),
        ),
    )


def renew(conn: sqlite3.Connection, sub: sqlite3.Row, today: dt.date) -> None:
    """Move ``sub``'s expiration and renewal dates one subscription period later."""
    kind, duration = sub["period_type"], sub["period_duration"]
    if kind is None or duration is None or sub["expiration_date"] is None:
        raise Refused(
            400, f"Subscription {sub['id']} has no subscription period or expiration date"
        )
    expires = dt.date.fromisoformat(sub["expiration_date"])
    expiry = rules.add_period(expires, kind, duration, sub["expiration_anchor"] or expires.day)
    renewal = sub["renewal_date"]
    if renewal is not None:
        renews = dt.date.fromisoformat(renewal)
        renewal = rules.add_period(
            renews, kind, duration, sub["renewal_anchor"] or renews.day
        ).isoformat()
    conn.execute(
        "UPDATE subscriptions SET expiration_date = ?, renewal_date = ?, "
        "last_modified_date = ? WHERE id = ?",
        (expiry.isoformat(), renewal, today.isoformat(), sub["id"]),
    )
