"""Seeds: every published field kept and returned, real dumps, and the clear refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from controller.sandbox.clock import FakeClock
from controller.sandbox.seed import SeedError, load_seed_file
from tests.sandbox.support import assert_error, check_order, check_subscription, sandbox_api

pytestmark = pytest.mark.anyio

# Every SubscriptionDetailed field, with values of the published types (as a real
# GET /subscriptions/{id} answer could carry them).
FULL_SUBSCRIPTION: dict[str, Any] = {
    "id": "7000001",
    "name": "Comms Care",
    "customerId": "CUST-9a",  # the spec says string: not only digits
    "status": "active",
    "renewalStatus": True,
    "creationDate": "2026-01-31",
    "renewalDate": "2027-01-31",
    "expirationDate": "2027-01-31",
    "lastModifiedDate": "2026-02-01",
    "subscriptionPeriod": {"type": "year", "duration": 1},
    "billingPeriod": {"type": "month", "duration": 1},
    "billingModel": "chargeBeforeBillingPeriod",
    "attributes": {"costCentre": "42"},
    "planId": 10005,
    "products": [{"mpn": "CC-1Y", "vendor": "Comms", "quantity": 3, "name": "Comms Care"}],
    "orderParameters": [{"name": "domain", "value": "example.co.uk"}],
    "fulfillmentParameters": [{"name": "tenant", "value": {"id": 7}}],
    "totalPrice": {"amount": "70.50", "currency": "GBP"},
    "totalSubscriptionPrice": {"amount": "211.50", "currency": "GBP"},
    "totalSubscriptionCost": {"amount": "150.00", "currency": "GBP"},
    "totalSubscriptionProviderCost": {"amount": "120.00", "currency": "GBP"},
}
FULL_ORDER: dict[str, Any] = {
    "id": "8000001",
    "orderNumber": "SO800001",
    "type": "cancellation",
    "customerId": "CUST-9a",
    "subscriptionId": "7000001",
    "status": "submitted",
    "statusCode": "PA",
    "creationDate": "2026-11-20T08:00:00Z",
    "attributes": {"cancellationReason": "moved", "placedBy": "portal"},
    "total": {"amount": "0.00", "currency": "GBP"},
    "poNumber": "PO1234",
    "provisioningDate": "2026-11-20 08:00:05",
    "details": [{"productId": "CC-1Y", "quantity": 1}],
    "creditCheck": False,
    "lastBillingDate": "2026-11-01",
    "nextBillingDate": "2026-12-01",
    "subscriptionPeriod": {"type": "year", "duration": 1},
    "products": [{"mpn": "CC-1Y", "quantity": 1}],
    "targetSubscriptionId": "7000001",
    "billingModel": "chargeBeforeBillingPeriod",
    "subscriptions": [{"subscriptionId": "7000001"}],
    "alignExpirationDate": {"enabled": False},
    "placementType": "MOVE",
    "vendorBillingSettings": {"x": 1},
}


def write(tmp_path: Path, data: Any, name: str = "seed.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


async def test_every_published_field_round_trips(tmp_path: Path, clock: FakeClock) -> None:
    seed = write(tmp_path, {"subscriptions": [FULL_SUBSCRIPTION], "orders": [FULL_ORDER]})
    async with sandbox_api(clock, seed=seed) as api:
        sub = (await api.get("/subscriptions/7000001")).json()
        check_subscription(sub)
        assert sub == FULL_SUBSCRIPTION
        listed = (await api.get("/subscriptions")).json()["data"]
        assert listed == [FULL_SUBSCRIPTION]
        order = (await api.get("/orders/8000001")).json()
        check_order(order)
        assert order == FULL_ORDER
        # A write keeps the published fields it does not touch.
        patched = await api.patch("/subscriptions/7000001", {"renewalStatus": False})
        assert patched.json()["products"] == FULL_SUBSCRIPTION["products"]


async def test_minimal_list_items_drop_the_detailed_fields(
    tmp_path: Path, clock: FakeClock
) -> None:
    seed = write(tmp_path, {"subscriptions": [FULL_SUBSCRIPTION], "orders": [FULL_ORDER]})
    async with sandbox_api(clock, seed=seed, profile="minimal", token_ttl=None) as api:
        item = (await api.get("/subscriptions")).json()["data"][0]
        check_subscription(item, list_item=True)
        assert item["billingModel"] == "chargeBeforeBillingPeriod"
        assert "products" not in item
        order = (await api.get("/orders")).json()["data"][0]
        check_order(order, list_item=True)
        assert order["poNumber"] == "PO1234"
        assert not {"products", "subscriptionId", "attributes", "placementType"} & set(order)


async def test_a_raw_get_dump_seeds_directly(tmp_path: Path, clock: FakeClock) -> None:
    # What `GET /subscriptions` and `GET /orders/{id}` answers look like, saved as they are.
    dump = {
        "subscriptions": {
            "data": [
                FULL_SUBSCRIPTION,
                {**FULL_SUBSCRIPTION, "id": "7000002", "status": "unknown"},
            ],
            "pagination": {"offset": 0, "limit": 100, "total": 2},
        },
        "orders": {"data": [FULL_ORDER], "pagination": {"offset": 0, "limit": 100, "total": 1}},
    }
    async with sandbox_api(clock, seed=write(tmp_path, dump)) as api:
        body = (await api.get("/subscriptions")).json()
        assert [s["id"] for s in body["data"]] == ["7000001", "7000002"]
        assert body["data"][1]["status"] == "unknown"
        assert (await api.get("/orders")).json()["pagination"]["total"] == 1


async def test_unknown_order_type_and_status_only_orders(tmp_path: Path, clock: FakeClock) -> None:
    orders = [
        {"type": "unknown", "customerId": "CUST-9a", "subscriptionId": "7000001",
         "status": "completed"},
        {"type": "renewal", "customerId": "CUST-9a", "subscriptionId": "7000001",
         "status": "cancelled", "creationDate": "2019-03-19 07:22:59"},
    ]  # fmt: skip
    seed = write(tmp_path, {"subscriptions": [FULL_SUBSCRIPTION], "orders": orders})
    async with sandbox_api(clock, seed=seed) as api:
        items = (await api.get("/orders")).json()["data"]
        assert [(o["type"], o["status"], o["statusCode"]) for o in items] == [
            ("unknown", "completed", "CP"),
            ("renewal", "cancelled", "CL"),
        ]
        # A naive seeded date-time is UTC.
        assert items[1]["creationDate"] == "2019-03-19T07:22:59Z"
        # The sandbox places only renewals and cancellations.
        body = {"type": "unknown", "customerId": "CUST-9a", "subscriptionId": "7000001"}
        assert_error(await api.post("/orders", body), 400, "/orders")


async def test_uncountable_periods_seed_but_cannot_renew(tmp_path: Path, clock: FakeClock) -> None:
    subs = [
        {**FULL_SUBSCRIPTION, "subscriptionPeriod": {"type": "statement_day", "duration": 1}},
        {**FULL_SUBSCRIPTION, "id": "7000002", "subscriptionPeriod": {"type": "month",
                                                                      "duration": 0}},
    ]  # fmt: skip
    async with sandbox_api(clock, seed=write(tmp_path, {"subscriptions": subs})) as api:
        for sub_id in ("7000001", "7000002"):
            body = {"type": "renewal", "customerId": "CUST-9a", "subscriptionId": sub_id}
            response = await api.post("/orders", body)
            assert_error(response, 400, "/orders")
            assert "cannot renew" in response.json()["message"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"subscriptions": [{**FULL_SUBSCRIPTION, "billingModle": "x"}]}, "billingModle"),
        ({"subscriptions": [{**FULL_SUBSCRIPTION, "planId": "10005"}]}, "planId"),
        ({"subscriptions": [{**FULL_SUBSCRIPTION, "extra": {"x": 1}}]}, "extra"),
        ({"orders": [{**FULL_ORDER, "extra": {}}]}, "extra"),
        ({"subscriptions": [{**FULL_SUBSCRIPTION, "customerId": ""}]}, "customerId"),
        ({"subscriptions": [{**FULL_SUBSCRIPTION, "id": "\u0661\u0662\u0663"}]}, "id"),
        ({"subscriptions": [{**FULL_SUBSCRIPTION, "status": "gone"}]}, "status"),
        ({"orders": [{**FULL_ORDER, "subscriptionid": "1"}]}, "subscriptionid"),
        ({"orders": [{**FULL_ORDER, "statusCode": "ZZ"}]}, "statusCode"),
        ({"orders": [{**FULL_ORDER, "status": "completed"}]}, "contradicts"),
        ({"orders": [{**FULL_ORDER, "status": None, "statusCode": None}]}, "status"),
        ({"pagination": {}}, "pagination"),
    ],
)
def test_seed_refusals_name_the_field(tmp_path: Path, data: Any, message: str) -> None:
    with pytest.raises(SeedError, match=message):
        load_seed_file(write(tmp_path, data))


async def test_an_order_list_item_without_subscription_id_is_refused_clearly(
    tmp_path: Path, clock: FakeClock
) -> None:
    item = {k: v for k, v in FULL_ORDER.items() if k != "subscriptionId"}
    seed = write(tmp_path, {"subscriptions": [FULL_SUBSCRIPTION], "orders": [item]})
    with pytest.raises(SeedError, match=r"orders\[0\]: subscriptionId is required.*GET /orders/"):
        async with sandbox_api(clock, seed=seed):
            pass
