"""The sandbox's SQLite schema and the low-level row writes shared by the store and seeding.

``connect`` opens a database (creating the schema on first use); ``insert_order`` is the
one place an order row is written, whether placed through the API or seeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from typing import Any

from controller.ids import is_digits
from controller.sandbox import render, rules

FIRST_ORDER_ID = 5000001
ZERO_GBP = ("0.00", "GBP")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    renewal_status INTEGER NOT NULL,
    creation_date TEXT, renewal_date TEXT, expiration_date TEXT, last_modified_date TEXT,
    expiration_anchor INTEGER, renewal_anchor INTEGER,
    period_type TEXT, period_duration INTEGER,
    billing_type TEXT, billing_duration INTEGER,
    price_amount TEXT, price_currency TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS subscriptions_customer ON subscriptions (customer_id, id);
CREATE INDEX IF NOT EXISTS subscriptions_status ON subscriptions (status, id);
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY,
    order_number TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    status TEXT NOT NULL,
    status_code TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    approved_at TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    total_amount TEXT, total_currency TEXT,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS orders_subscription ON orders (subscription_id, type, status_code);
CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id, id);
CREATE INDEX IF NOT EXISTS orders_status ON orders (status, id);
-- Serves the statusCode filter and the vendor's lazy completion (status_code = 'AP' AND
-- approved_at <= cutoff): a range scan over the due orders only, however many exist.
CREATE INDEX IF NOT EXISTS orders_code_approved ON orders (status_code, approved_at);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,
    marketplace TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""


def connect(path: str) -> sqlite3.Connection:
    """Open ``path`` (or ``:memory:``) for one process-wide connection guarded by a lock.

    Autocommit mode (``isolation_level=None``): the store issues its own ``BEGIN
    IMMEDIATE`` so a transaction takes the write lock up front and never deadlocks on
    an upgrade; WAL lets readers in other processes through while a write is under way.
    """
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    _add_extra_columns(conn)
    return conn


def _add_extra_columns(conn: sqlite3.Connection) -> None:
    """A database made before the ``extra`` columns (published fields kept as JSON) gets them."""
    for table in ("subscriptions", "orders"):
        columns = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
        if "extra" not in columns:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN extra TEXT NOT NULL DEFAULT '{{}}'")


def token_hash(token: str) -> str:
    """Only a hash of a token is stored: the database file holds no usable secret."""
    return hashlib.sha256(token.encode()).hexdigest()


# Ids are SQLite integers: the API's digits rule (controller/ids.py), and at most 18
# digits so that every id fits in 64 bits.
MAX_ID_DIGITS = 18


def is_entity_id(text: str) -> bool:
    """The one id rule of the sandbox, for seed files and request paths alike.

    Not ``str.isdigit``: that also accepts "²" (which ``int`` then refuses: a 500) and
    Arabic-Indic digits (U+0661 U+0660 ..., which ``int`` reads as 1000177: another id).
    """
    return is_digits(text) and len(text) <= MAX_ID_DIGITS


def entity_id(text: str) -> int | None:
    return int(text) if is_entity_id(text) else None


def insert_order(
    conn: sqlite3.Connection,
    *,
    order_id: int | None,
    order_number: str | None,
    order_type: str,
    customer_id: str,
    subscription_id: int,
    code: str,
    created: dt.datetime,
    approved: dt.datetime | None,
    attributes: dict[str, str],
    total: tuple[str, str] | None,
    extra: dict[str, Any] | None = None,
) -> int:
    if order_id is None:
        order_id = int(
            conn.execute(
                "SELECT coalesce(max(id), ?) + 1 FROM orders", (FIRST_ORDER_ID - 1,)
            ).fetchone()[0]
        )
    if order_number is None:
        order_number = _next_order_number(conn)
    conn.execute(
        "INSERT INTO orders (id, order_number, type, customer_id, subscription_id, status, "
        "status_code, creation_date, approved_at, attributes, total_amount, total_currency, "
        "extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            order_id,
            order_number,
            order_type,
            customer_id,
            subscription_id,
            rules.status_for(code).value,
            code,
            render.store_instant(created),
            render.store_instant(approved) if approved else None,
            json.dumps(attributes, sort_keys=True),
            total[0] if total else None,
            total[1] if total else None,
            json.dumps(extra or {}, sort_keys=True),
        ),
    )
    return order_id


def _next_order_number(conn: sqlite3.Connection) -> str:
    while True:
        row = conn.execute("SELECT value FROM meta WHERE key = 'order_number'").fetchone()
        number = int(row["value"]) + 1 if row else 1
        set_order_counter(conn, number)
        candidate = f"SO{number:06d}"
        # A seed may have used a number already; skip it rather than fail the create.
        taken = conn.execute("SELECT 1 FROM orders WHERE order_number = ?", (candidate,)).fetchone()
        if taken is None:
            return candidate


def set_order_counter(conn: sqlite3.Connection, last_number: int) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('order_number', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (str(last_number),),
    )
