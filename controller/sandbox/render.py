"""Rows of the sandbox database rendered as API bodies (SubscriptionDetailed, OrderDetailed).

Used by the store on its way out; the bodies parse with controller/marketplace/models.py.
Fields the sandbox does not model are left out rather than invented.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from controller.sandbox.problems import iso_timestamp


def parse_instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def store_instant(moment: dt.datetime) -> str:
    """Fixed-width UTC text, so SQLite compares instants as strings correctly."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _period(kind: str | None, duration: int | None) -> dict[str, Any] | None:
    if kind is None or duration is None:
        return None
    return {"type": kind, "duration": duration}


def _money(amount: str | None, currency: str | None) -> dict[str, str] | None:
    if amount is None or currency is None:
        return None
    return {"amount": amount, "currency": currency}


def subscription(row: sqlite3.Row) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(row["id"]),
        "name": row["name"],
        "customerId": row["customer_id"],
        "status": row["status"],
        "renewalStatus": bool(row["renewal_status"]),
        "creationDate": row["creation_date"],
        "renewalDate": row["renewal_date"],
        "expirationDate": row["expiration_date"],
        "lastModifiedDate": row["last_modified_date"],
        "subscriptionPeriod": _period(row["period_type"], row["period_duration"]),
        "billingPeriod": _period(row["billing_type"], row["billing_duration"]),
        "totalPrice": _money(row["price_amount"], row["price_currency"]),
        "attributes": json.loads(row["attributes"]),
    }
    return {k: v for k, v in body.items() if v is not None}


def order(row: sqlite3.Row) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(row["id"]),
        "orderNumber": row["order_number"],
        "type": row["type"],
        "customerId": row["customer_id"],
        "subscriptionId": str(row["subscription_id"]),
        "status": row["status"],
        "statusCode": row["status_code"],
        "creationDate": iso_timestamp(parse_instant(row["creation_date"])),
        "attributes": json.loads(row["attributes"]),
        "total": _money(row["total_amount"], row["total_currency"]),
    }
    return {k: v for k, v in body.items() if v is not None}
