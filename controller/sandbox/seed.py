"""Seed data for the sandbox marketplace: reading seed files and loading them into a store.

A seed file is YAML or JSON ``{"subscriptions": [...], "orders": [...]}`` in API field
names (DESIGN.md section 6), each list also accepted as a ``GET`` list answer
(``{"data": [...], "pagination": {...}}``), so a real dump seeds it directly. A seeded
order's ``statusCode`` (rules.py) sets its state and its ``status`` follows from it; an
order with only a published ``status`` gets the code for it. Each subscription's
calendar anchor (the day of month its terms keep) is fixed here, by the renewal calendar
rule (rules.calendar_anchor). Seeding happens only into an empty database:
``seed_if_empty`` skips a database that already holds subscriptions, so restarting a
server with the same ``--seed`` keeps the state it had. ``demo.yaml`` beside this module
is the shared demo set every part of subctl agrees on.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from controller.sandbox import db, rules
from controller.sandbox.published import OrderType
from controller.sandbox.schemas import SeedData, SeedOrder, SeedSubscription, describe, parse_seed
from controller.sandbox.store import Store

MAX_SEED_BYTES = 256 * 1024 * 1024


class SeedError(ValueError):
    """A seed file that cannot be read or does not describe a consistent marketplace."""


def demo_seed() -> SeedData:
    text = resources.files("controller.sandbox").joinpath("demo.yaml").read_text("utf-8")
    return _parse(yaml.safe_load(text), "demo.yaml")


def load_seed_file(path: Path) -> SeedData:
    try:
        if path.stat().st_size > MAX_SEED_BYTES:
            raise SeedError(f"{path}: seed file is larger than {MAX_SEED_BYTES} bytes")
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise SeedError(f"{path}: cannot read seed file: {err}") from None
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise SeedError(f"{path}: not valid YAML/JSON: {str(err)[:200]}") from None
    return _parse(raw, str(path))


def _parse(raw: Any, where: str) -> SeedData:
    try:
        return parse_seed(raw if raw is not None else {})
    except ValidationError as err:
        raise SeedError(f"{where}: {describe(err)}") from None


def seed_if_empty(store: Store, data: SeedData) -> bool:
    """Load ``data`` when the store holds no subscription yet; True when it did."""
    with store.transaction() as (conn, now):
        if conn.execute("SELECT 1 FROM subscriptions LIMIT 1").fetchone() is not None:
            return False
        _insert(conn, data, now)
    return True


def _subscription_values(sub: SeedSubscription) -> tuple[object, ...]:
    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    period, billing, price = sub.subscriptionPeriod, sub.billingPeriod, sub.totalPrice
    expires, renews, created = sub.expirationDate, sub.renewalDate, sub.creationDate
    return (
        int(sub.id),
        sub.customerId,
        sub.name,
        sub.status.value,
        int(sub.renewalStatus),
        day(sub.creationDate),
        day(sub.renewalDate),
        day(sub.expirationDate),
        day(sub.lastModifiedDate),
        rules.calendar_anchor(expires, created) if expires else None,
        rules.calendar_anchor(renews, created) if renews else None,
        period.type if period else None,
        period.duration if period else None,
        billing.type if billing else None,
        billing.duration if billing else None,
        f"{Decimal(price.amount):.2f}" if price else None,
        price.currency if price else None,
        json.dumps(sub.attributes, sort_keys=True),
        json.dumps(sub.extra, sort_keys=True),
    )


def _insert(conn: sqlite3.Connection, data: SeedData, now: dt.datetime) -> None:
    subs: dict[str, SeedSubscription] = {}
    for sub in data.subscriptions:
        if sub.id in subs:
            raise SeedError(f"subscription {sub.id} is seeded twice")
        subs[sub.id] = sub
    conn.executemany(
        "INSERT INTO subscriptions (id, customer_id, name, status, renewal_status, "
        "creation_date, renewal_date, expiration_date, last_modified_date, "
        "expiration_anchor, renewal_anchor, period_type, period_duration, billing_type, "
        "billing_duration, price_amount, price_currency, attributes, extra) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_subscription_values(sub) for sub in data.subscriptions],
    )
    _insert_orders(conn, data.orders, subs, now)


def _insert_orders(
    conn: sqlite3.Connection,
    orders: list[SeedOrder],
    subs: dict[str, SeedSubscription],
    now: dt.datetime,
) -> None:
    explicit_ids = {int(o.id) for o in orders if o.id is not None}
    explicit_numbers = {o.orderNumber for o in orders if o.orderNumber is not None}
    next_id = max(explicit_ids, default=db.FIRST_ORDER_ID - 1) + 1
    made = (n[2:] for n in explicit_numbers if n.startswith("SO"))
    next_number = max((int(n) for n in made if n.isascii() and n.isdigit()), default=0) + 1
    seen_ids: set[int] = set()
    seen_numbers: set[str] = set()
    open_orders: set[tuple[str, str]] = set()
    for index, order in enumerate(orders):
        where = f"orders[{index}]"
        if order.subscriptionId is None:
            raise SeedError(
                f"{where}: subscriptionId is required (a GET /orders list item has none: "
                "dump each order with GET /orders/{id})"
            )
        sub = subs.get(order.subscriptionId)
        if sub is None:
            raise SeedError(f"{where}: subscription {order.subscriptionId} is not seeded")
        if sub.customerId != order.customerId:
            raise SeedError(
                f"{where}: subscription {sub.id} belongs to customer {sub.customerId}, "
                f"not {order.customerId}"
            )
        code = order.code()
        if code in rules.OPEN_CODES:
            key = (sub.id, order.type.value)
            if key in open_orders:
                raise SeedError(f"{where}: a second open {order.type.value} order for {sub.id}")
            open_orders.add(key)
        if order.id is not None:
            order_id = int(order.id)
        else:
            order_id, next_id = next_id, next_id + 1
        if order.orderNumber is not None:
            number = order.orderNumber
        else:
            number, next_number = f"SO{next_number:06d}", next_number + 1
        if order_id in seen_ids or number in seen_numbers:
            raise SeedError(f"{where}: order id {order_id} or number {number} is seeded twice")
        seen_ids.add(order_id)
        seen_numbers.add(number)
        db.insert_order(
            conn,
            order_id=order_id,
            order_number=number,
            order_type=order.type.value,
            customer_id=order.customerId,
            subscription_id=int(sub.id),
            code=code,
            created=_utc(order.creationDate) if order.creationDate else now,
            # The vendor delay of a seeded approved order runs from the moment of seeding.
            approved=now if code == rules.CODE_APPROVED else None,
            attributes=dict(order.attributes),
            total=_total(order, sub),
            extra=dict(order.extra),
        )
    db.set_order_counter(conn, next_number - 1)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A seeded date-time without a zone is UTC, as the API's are (never the host's zone)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _total(order: SeedOrder, sub: SeedSubscription) -> tuple[str, str]:
    if order.total is not None:
        return f"{Decimal(order.total.amount):.2f}", order.total.currency
    if sub.totalPrice is None:
        return "0.00", "GBP"
    if order.type is OrderType.RENEWAL:
        return f"{Decimal(sub.totalPrice.amount):.2f}", sub.totalPrice.currency
    return "0.00", sub.totalPrice.currency
