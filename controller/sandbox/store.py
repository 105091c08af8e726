"""SQLite state of the sandbox marketplace: subscriptions, orders and issued tokens.

The app's handlers call one ``Store`` method per request. Each method is one
``BEGIN IMMEDIATE`` transaction taken under a process-wide lock, so concurrent requests
(threads of one server) and other processes on the same file never lose or half-apply
a write. Every transaction first settles the vendor: approved orders whose vendor delay
has passed are completed, lazily, from timestamps (an indexed query on approved orders),
so no background thread is needed and any clock can drive it. Open renewals (profile
minimal) move on the same way, from their creation time and the renewal delay.

Ids are integers in SQLite (stable numeric order, cheap indexes) and strings in the API.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Literal

from controller.sandbox import db, render, rules, settle
from controller.sandbox.clock import Clock, SystemClock
from controller.sandbox.problems import NO_ENTITY, Refused, iso_timestamp
from controller.sandbox.published import ESTIMATE_FIELDS, OrderStatus, OrderType, SubscriptionStatus
from controller.sandbox.rules import (
    ATTR_CANCELLATION_REASON,
    CODE_APPROVED,
    CODE_COMPLETED,
)
from controller.sandbox.schemas import OrderRequest

Page = tuple[list[dict[str, Any]], int]


class Store:
    """The sandbox's state. ``vendor_delay``, ``renewal_delay`` (seconds) and ``minimal``
    (the answer shapes of the minimal profile) are set by the app from its config."""

    def __init__(
        self,
        path: str,
        clock: Clock | None = None,
        *,
        vendor_delay: float = 30.0,
        renewal_delay: float = 0.0,
        minimal: bool = False,
    ):
        self.clock: Clock = clock or SystemClock()
        self.vendor_delay = vendor_delay
        self.renewal_delay = renewal_delay
        self.minimal = minimal
        self._lock = threading.RLock()
        self._conn = db.connect(path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[tuple[sqlite3.Connection, dt.datetime]]:
        """One ``BEGIN IMMEDIATE`` transaction under the lock, vendor settled first."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                now = self.clock.now()
                settle.settle(conn, now, self.vendor_delay, self.renewal_delay)
                yield conn, now
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- tokens ---------------------------------------------------------------------------

    def issue_token(self, token: str, marketplace: str, ttl: int) -> None:
        with self.transaction() as (conn, now):
            # Expired tokens are kept a day (they record which marketplace was asked for).
            stale = render.store_instant(now - dt.timedelta(days=1))
            conn.execute("DELETE FROM tokens WHERE expires_at <= ?", (stale,))
            conn.execute(
                "INSERT INTO tokens (token_hash, marketplace, issued_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    db.token_hash(token),
                    marketplace,
                    render.store_instant(now),
                    render.store_instant(now + dt.timedelta(seconds=ttl)),
                ),
            )

    def token_valid(self, token: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT expires_at FROM tokens WHERE token_hash = ?", (db.token_hash(token),)
            ).fetchone()
            now = render.store_instant(self.clock.now())
        return row is not None and bool(row["expires_at"] > now)

    def marketplaces(self) -> list[str]:
        """The marketplaces tokens were asked for, oldest first (tests and diagnostics)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT marketplace FROM tokens ORDER BY issued_at, rowid"
            ).fetchall()
        return [row["marketplace"] for row in rows]

    # -- subscriptions -------------------------------------------------------------------

    def _subscription_row(self, conn: sqlite3.Connection, sub_id: int | None) -> sqlite3.Row:
        return _row_by_id(conn, "subscriptions", sub_id)

    def _shape(self, *, list_item: bool = False) -> render.Shape:
        return render.Shape(minimal=self.minimal, list_item=list_item)

    def get_subscription(self, sub_id: str) -> dict[str, Any]:
        with self.transaction() as (conn, _):
            row = self._subscription_row(conn, db.entity_id(sub_id))
            return render.subscription(row, self._shape())

    def list_subscriptions(
        self, *, customer_id: str | None, status: str | None, offset: int, limit: int
    ) -> Page:
        filters = {"customer_id": customer_id, "status": status}
        with self.transaction() as (conn, _):
            rows, total = _page_rows(conn, "subscriptions", filters, offset, limit)
        shape = self._shape(list_item=True)
        return [render.subscription(r, shape) for r in rows], total

    def update_subscription(
        self, sub_id: str, *, renewal_status: bool | None, attributes: dict[str, str] | None
    ) -> dict[str, Any]:
        """PATCH: ``renewal_status`` (active subscriptions only) and ``attributes`` (merged)."""
        with self.transaction() as (conn, now):
            row = self._subscription_row(conn, db.entity_id(sub_id))
            if renewal_status is not None:
                if row["status"] != SubscriptionStatus.ACTIVE:
                    raise Refused(
                        400,
                        f"Subscription {row['id']} is {row['status']}: auto-renewal can only be "
                        "changed on an active subscription",
                    )
                conn.execute(
                    "UPDATE subscriptions SET renewal_status = ? WHERE id = ?",
                    (int(renewal_status), row["id"]),
                )
            if attributes:
                merged = {**json.loads(row["attributes"]), **attributes}
                if len(merged) > 50:
                    raise Refused(400, "A subscription has at most 50 attributes")
                conn.execute(
                    "UPDATE subscriptions SET attributes = ? WHERE id = ?",
                    (json.dumps(merged, sort_keys=True), row["id"]),
                )
            if renewal_status is not None or attributes:
                conn.execute(
                    "UPDATE subscriptions SET last_modified_date = ? WHERE id = ?",
                    (now.date().isoformat(), row["id"]),
                )
            return render.subscription(self._subscription_row(conn, row["id"]), self._shape())

    def set_renewal_status(self, sub_id: str, value: bool) -> dict[str, Any]:
        return self.update_subscription(sub_id, renewal_status=value, attributes=None)

    # -- orders -----------------------------------------------------------------------------

    def _order_row(self, conn: sqlite3.Connection, order_id: int | None) -> sqlite3.Row:
        return _row_by_id(conn, "orders", order_id)

    def _check_order(
        self, conn: sqlite3.Connection, request: OrderRequest
    ) -> tuple[sqlite3.Row, OrderType]:
        """Everything a create or an estimate checks; raises ``Refused`` with the reason."""
        try:
            order_type = OrderType(request.type)
        except ValueError:
            order_type = None
        if order_type not in rules.SUPPORTED_TYPES or order_type is None:
            raise Refused(
                400,
                f"Order type {request.type[:30]!r} is not supported: use renewal or cancellation",
            )
        sub = self._subscription_row(conn, db.entity_id(request.subscriptionId))
        if sub["customer_id"] != request.customerId:
            raise Refused(
                400,
                f"Subscription {sub['id']} does not belong to customer {request.customerId[:40]}",
            )
        if sub["status"] != SubscriptionStatus.ACTIVE:
            raise Refused(400, f"Subscription {sub['id']} is {sub['status']}, not active")
        if (
            order_type is OrderType.CANCELLATION
            and not request.attributes.get(ATTR_CANCELLATION_REASON, "").strip()
        ):
            raise Refused(400, "A cancellation order needs attributes.cancellationReason")
        return sub, order_type

    @staticmethod
    def _price(sub: sqlite3.Row, order_type: OrderType) -> tuple[str, str]:
        amount, currency = sub["price_amount"], sub["price_currency"]
        if amount is None or currency is None:
            return db.ZERO_GBP
        if order_type is OrderType.RENEWAL:
            return amount, currency
        return f"{Decimal(0):.2f}", currency

    def estimate_order(self, request: OrderRequest) -> dict[str, Any]:
        """The order that ``create_order`` would make, priced; nothing is written."""
        with self.transaction() as (conn, now):
            sub, order_type = self._check_order(conn, request)
            amount, currency = self._price(sub, order_type)
            # Not placed, so neither numbered nor in any state yet: "submitted" is the
            # status a new order starts in; the id is empty because none exists.
            body = {
                "id": "",
                "type": order_type.value,
                "customerId": request.customerId,
                "subscriptionId": str(sub["id"]),
                "status": OrderStatus.SUBMITTED.value,
                "creationDate": iso_timestamp(now),
                "attributes": dict(request.attributes),
                "total": {"amount": amount, "currency": currency},
            }
            if self.minimal:
                # Only what the published answer guarantees.
                return {k: v for k, v in body.items() if k in ESTIMATE_FIELDS}
            return body

    def create_order(self, request: OrderRequest) -> dict[str, Any]:
        with self.transaction() as (conn, now):
            sub, order_type = self._check_order(conn, request)
            open_order = conn.execute(
                "SELECT order_number, status_code FROM orders WHERE subscription_id = ? "
                "AND type = ? AND status_code IN (SELECT value FROM json_each(?)) LIMIT 1",
                (sub["id"], order_type.value, json.dumps(sorted(rules.OPEN_CODES))),
            ).fetchone()
            if open_order is not None:
                raise Refused(
                    400,
                    f"Subscription {sub['id']} already has an open order of type "
                    f"{order_type.value}: {open_order['order_number']} "
                    f"({open_order['status_code']})",
                )
            code = rules.initial_code(order_type, self.renewal_delay)
            amount, currency = self._price(sub, order_type)
            order_id = db.insert_order(
                conn,
                order_id=None,
                order_number=None,
                order_type=order_type.value,
                customer_id=request.customerId,
                subscription_id=sub["id"],
                code=code,
                created=now,
                approved=None,
                attributes=dict(request.attributes),
                total=(amount, currency),
            )
            if code == CODE_COMPLETED:
                settle.renew(conn, sub, now.date())
            return render.order(self._order_row(conn, order_id), self._shape())

    def get_order(self, order_id: str) -> dict[str, Any]:
        with self.transaction() as (conn, _):
            return render.order(self._order_row(conn, db.entity_id(order_id)), self._shape())

    def list_orders(
        self,
        *,
        subscription_id: str | None,
        customer_id: str | None,
        status: str | None,
        status_code: str | None,
        order_number: str | None,
        offset: int,
        limit: int,
    ) -> Page:
        sub_key: int | None = None
        if subscription_id is not None:
            sub_key = db.entity_id(subscription_id)
            if sub_key is None:
                return [], 0
        filters = {
            "subscription_id": sub_key,
            "customer_id": customer_id,
            "status": status,
            "status_code": status_code,
            "order_number": order_number,
        }
        with self.transaction() as (conn, _):
            rows, total = _page_rows(conn, "orders", filters, offset, limit)
        shape = self._shape(list_item=True)
        return [render.order(r, shape) for r in rows], total

    def update_order(
        self, order_id: str, *, status_code: str | None, credit_check: bool | None
    ) -> dict[str, Any]:
        """PATCH: ``status_code`` (AP approves, CL withdraws) and ``credit_check`` (kept)."""
        with self.transaction() as (conn, now):
            row = self._order_row(conn, db.entity_id(order_id))
            if status_code is not None:
                code = rules.next_code(row["status_code"], status_code, row["order_number"])
                approved = (
                    render.store_instant(now) if code == CODE_APPROVED else row["approved_at"]
                )
                conn.execute(
                    "UPDATE orders SET status = ?, status_code = ?, approved_at = ? WHERE id = ?",
                    (rules.status_for(code).value, code, approved, row["id"]),
                )
            if credit_check is not None:
                extra = {**json.loads(row["extra"] or "{}"), "creditCheck": credit_check}
                conn.execute(
                    "UPDATE orders SET extra = ? WHERE id = ?",
                    (json.dumps(extra, sort_keys=True), row["id"]),
                )
            return render.order(self._order_row(conn, row["id"]), self._shape())

    def update_order_status(self, order_id: str, requested: str) -> dict[str, Any]:
        return self.update_order(order_id, status_code=requested, credit_check=None)

    # -- seeding ------------------------------------------------------------------------

    def is_empty(self) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM subscriptions LIMIT 1").fetchone()
        return row is None


def _row_by_id(
    conn: sqlite3.Connection, table: Literal["subscriptions", "orders"], key: int | None
) -> sqlite3.Row:
    """The row ``key`` of ``table``; the API's 400 "no entity" when there is none (or the
    id was not a number, ``key`` None)."""
    row = None
    if key is not None:
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (key,)).fetchone()  # noqa: S608 - table name is ours
    if row is None:
        raise Refused(400, NO_ENTITY)
    return row  # type: ignore[no-any-return]


def _page_rows(
    conn: sqlite3.Connection,
    table: Literal["subscriptions", "orders"],
    filters: Mapping[str, object],
    offset: int,
    limit: int,
) -> tuple[list[sqlite3.Row], int]:
    """One page of ``table`` in id order, the ``None`` filters left out, and the total the
    filters match (what ``pagination.total`` reports)."""
    where, args = _filters(filters)
    total = conn.execute(f"SELECT count(*) FROM {table}{where}", args).fetchone()[0]  # noqa: S608 - table and column names are ours
    rows = conn.execute(
        f"SELECT * FROM {table}{where} ORDER BY id LIMIT ? OFFSET ?",  # noqa: S608
        (*args, limit, offset),
    ).fetchall()
    return rows, int(total)


def _filters(values: Mapping[str, object]) -> tuple[str, tuple[object, ...]]:
    used = {column: value for column, value in values.items() if value is not None}
    if not used:
        return "", ()
    return " WHERE " + " AND ".join(f"{column} = ?" for column in used), tuple(used.values())
