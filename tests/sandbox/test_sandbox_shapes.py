"""Responses carry the published field names, types and enum values (written out here;
the published spec is never read at test time)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from tests.sandbox.support import Api, cancellation, renewal

pytestmark = pytest.mark.anyio

SUBSCRIPTION_STATUSES = {"pending", "active", "hold", "terminated", "removed", "unknown"}
ORDER_STATUSES = {"submitted", "processing", "error", "completed", "cancelled"}
ORDER_TYPES = {"sales", "change", "renewal", "cancellation", "migration", "unknown"}
PERIOD_TYPES = {"day", "month", "year", "statement_day", "unknown"}

# SubscriptionDetailed: the fields the sandbox models, and their JSON types.
SUBSCRIPTION_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "name": str,
    "customerId": str,
    "status": str,
    "attributes": dict,
    "renewalStatus": bool,
    "creationDate": str,
    "renewalDate": str,
    "lastModifiedDate": str,
    "expirationDate": str,
    "billingPeriod": dict,
    "subscriptionPeriod": dict,
    "totalPrice": dict,
}
ORDER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "orderNumber": str,
    "type": str,
    "customerId": str,
    "creationDate": str,
    "status": str,
    "statusCode": str,
    "total": dict,
    "attributes": dict,
    "subscriptionId": str,
}
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def check_fields(body: dict[str, Any], fields: dict[str, type | tuple[type, ...]]) -> None:
    assert set(body) <= set(fields), set(body) - set(fields)
    for name, value in body.items():
        assert isinstance(value, fields[name]), (name, value)


def check_money(money: dict[str, Any]) -> None:
    assert set(money) == {"amount", "currency"}
    assert isinstance(money["amount"], str)
    Decimal(money["amount"])
    assert isinstance(money["currency"], str)


def check_period(period: dict[str, Any]) -> None:
    assert set(period) == {"type", "duration"}
    assert period["type"] in PERIOD_TYPES
    assert type(period["duration"]) is int


def check_subscription(body: dict[str, Any]) -> None:
    check_fields(body, SUBSCRIPTION_FIELDS)
    assert {"id", "customerId", "status", "renewalStatus"} <= set(body)
    assert body["status"] in SUBSCRIPTION_STATUSES
    assert body["id"].isdigit()
    for name in ("creationDate", "renewalDate", "lastModifiedDate", "expirationDate"):
        if name in body:
            dt.date.fromisoformat(body[name])
            assert len(body[name]) == 10
    for name in ("billingPeriod", "subscriptionPeriod"):
        if name in body:
            check_period(body[name])
    if "totalPrice" in body:
        check_money(body["totalPrice"])
    assert all(isinstance(v, str) for v in body["attributes"].values())


def check_order(body: dict[str, Any]) -> None:
    check_fields(body, ORDER_FIELDS)
    assert set(ORDER_FIELDS) <= set(body)
    assert body["type"] in ORDER_TYPES
    assert body["status"] in ORDER_STATUSES
    assert re.fullmatch(r"SO\d{6,}", body["orderNumber"])
    assert body["id"].isdigit()
    assert DATE_TIME.match(body["creationDate"])
    check_money(body["total"])
    assert all(isinstance(v, str) for v in body["attributes"].values())


def check_page(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert set(body) == {"data", "pagination"}
    assert set(body["pagination"]) == {"offset", "limit", "total"}
    assert all(type(v) is int for v in body["pagination"].values())
    assert isinstance(body["data"], list)
    return body["data"]


async def test_token_shape(api: Api) -> None:
    body = (await api.login()).json()
    assert set(body) == {"token", "expiresInSeconds"}
    assert isinstance(body["token"], str)
    assert type(body["expiresInSeconds"]) is int


async def test_subscription_shapes(api: Api) -> None:
    subs = check_page((await api.get("/subscriptions", limit=100)).json())
    assert len(subs) == 9
    for sub in subs:
        check_subscription(sub)
        check_subscription((await api.get(f"/subscriptions/{sub['id']}")).json())
    patched = await api.patch("/subscriptions/1000179", {"renewalStatus": True})
    check_subscription(patched.json())


async def test_order_shapes(api: Api) -> None:
    made = [
        (await api.post("/orders", renewal("1000177", "1000275"))).json(),
        (await api.post("/orders", cancellation("1000178", "1000275"))).json(),
    ]
    made.append((await api.patch(f"/orders/{made[1]['id']}", {"statusCode": "AP"})).json())
    made.append((await api.patch(f"/orders/{made[1]['id']}", {"statusCode": "CL"})).json())
    for order in made:
        check_order(order)
    for order in check_page((await api.get("/orders")).json()):
        check_order(order)
        check_order((await api.get(f"/orders/{order['id']}")).json())
    estimate = (await api.post("/orders/estimate", renewal("1000201", "1000310"))).json()
    check_fields(estimate, ORDER_FIELDS)
    check_money(estimate["total"])
