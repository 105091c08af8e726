"""Rows of the sandbox database rendered as API bodies (SubscriptionDetailed, OrderDetailed).

Used by the store on its way out. Fields the sandbox does not model are left out rather
than invented, except the published ones a seed gave (the ``extra`` column), which are
returned as seeded. A ``Shape`` says how much to show: the full profile shows everything
everywhere; the minimal profile (issue 12) shows only what the published spec
guarantees: list items as ``Subscription`` / ``Order`` (no subscriptionId, no
attributes on an order), and naive order date-times as the real API writes them.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from controller.sandbox.problems import iso_timestamp
from controller.sandbox.published import ORDER_FIELDS, SUBSCRIPTION_FIELDS

# The published ``Order`` list item has no subscriptionId; attributes are optional.
_ORDER_LIST_FIELDS = frozenset(ORDER_FIELDS) - {"attributes"}


@dataclass(frozen=True)
class Shape:
    """How an answer is cut: ``minimal`` profile or not, list item or single entity."""

    minimal: bool = False
    list_item: bool = False


FULL = Shape()


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


def _extra(row: sqlite3.Row) -> dict[str, Any]:
    extra = json.loads(row["extra"]) if row["extra"] else {}
    return extra if isinstance(extra, dict) else {}


def naive_timestamp(moment: dt.datetime, *, spaced: bool) -> str:
    """UTC without an offset, as the real API writes some of its date-times."""
    return moment.astimezone(dt.UTC).strftime(
        "%Y-%m-%d %H:%M:%S" if spaced else "%Y-%m-%dT%H:%M:%S"
    )


def _shaped(body: dict[str, Any], shape: Shape, list_fields: Container[str]) -> dict[str, Any]:
    """``body`` without its nulls, cut to the published list-item fields in a minimal list."""
    if shape.minimal and shape.list_item:
        return {k: v for k, v in body.items() if k in list_fields and v is not None}
    return {k: v for k, v in body.items() if v is not None}


def subscription(row: sqlite3.Row, shape: Shape = FULL) -> dict[str, Any]:
    body: dict[str, Any] = {
        **_extra(row),
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
    return _shaped(body, shape, SUBSCRIPTION_FIELDS)


def order(row: sqlite3.Row, shape: Shape = FULL) -> dict[str, Any]:
    created = parse_instant(row["creation_date"])
    if shape.minimal:
        # A list item spaced ("2019-03-19 07:22:59"), one order as ISO without offset:
        # both appear in the real API, and neither names its zone.
        stamp = naive_timestamp(created, spaced=shape.list_item)
    else:
        stamp = iso_timestamp(created)
    body: dict[str, Any] = {
        **_extra(row),
        "id": str(row["id"]),
        "orderNumber": row["order_number"],
        "type": row["type"],
        "customerId": row["customer_id"],
        "subscriptionId": str(row["subscription_id"]),
        "status": row["status"],
        "statusCode": row["status_code"],
        "creationDate": stamp,
        "attributes": json.loads(row["attributes"]),
        "total": _money(row["total_amount"], row["total_currency"]),
    }
    return _shaped(body, shape, _ORDER_LIST_FIELDS)
