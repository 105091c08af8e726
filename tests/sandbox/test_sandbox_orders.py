"""POST/GET/PATCH /orders and /orders/estimate: every transition, valid and refused."""

from __future__ import annotations

from typing import Any

import pytest

from controller.marketplace.models import Order
from controller.sandbox.clock import FakeClock
from tests.sandbox.support import Api, assert_error, cancellation, renewal, sandbox_api

pytestmark = pytest.mark.anyio


async def order_count(api: Api) -> int:
    return int((await api.get("/orders")).json()["pagination"]["total"])


async def test_renewal_completes_at_once_and_moves_dates(api: Api) -> None:
    response = await api.post("/orders", renewal("1000178", "1000275"))
    assert response.status_code == 201
    order = Order.model_validate(response.json())
    assert (order.status_text, order.statusCode) == ("completed", "CP")
    assert order.total is not None
    assert (order.total.amount, order.total.currency) == (
        "12.00",
        "GBP",
    )
    sub = (await api.get("/subscriptions/1000178")).json()
    assert (sub["expirationDate"], sub["renewalDate"]) == ("2027-01-15", "2027-01-15")
    await api.post("/orders", renewal("1000178", "1000275"))  # renewals never stay open
    sub = (await api.get("/subscriptions/1000178")).json()
    assert sub["expirationDate"] == "2027-02-15"


async def test_yearly_renewal_keeps_month_end(api: Api) -> None:
    await api.post("/orders", renewal("1000201", "1000310"))
    sub = (await api.get("/subscriptions/1000201")).json()
    assert sub["expirationDate"] == "2028-01-31"
    assert sub["lastModifiedDate"] == "2026-11-25"


async def test_cancellation_lifecycle_to_terminated(api: Api, clock: FakeClock) -> None:
    created = await api.post("/orders", cancellation("1000178", "1000275", "Customer moved"))
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["statusCode"]) == ("submitted", "PA")
    assert body["attributes"] == {"cancellationReason": "Customer moved", "placedBy": "subctl"}
    assert body["orderNumber"].startswith("SO")
    assert body["id"].isdigit()
    assert body["creationDate"] == "2026-11-25T09:00:00Z"

    approved = await api.patch(f"/orders/{body['id']}", {"statusCode": "AP"})
    assert approved.status_code == 200
    assert (approved.json()["status"], approved.json()["statusCode"]) == ("processing", "AP")

    clock.advance(59)
    assert (await api.get(f"/orders/{body['id']}")).json()["statusCode"] == "AP"
    assert (await api.get("/subscriptions/1000178")).json()["status"] == "active"
    clock.advance(1)
    done = (await api.get(f"/orders/{body['id']}")).json()
    assert (done["status"], done["statusCode"]) == ("completed", "CP")
    assert done["attributes"] == body["attributes"]  # kept exactly as created
    sub = (await api.get("/subscriptions/1000178")).json()
    assert sub["status"] == "terminated"
    assert sub["renewalStatus"] is False

    # Nothing more can be ordered or changed on a terminated subscription.
    assert_error(await api.post("/orders", renewal("1000178", "1000275")), 400, "/orders")
    path = f"/orders/{body['id']}"
    assert_error(await api.patch(path, {"statusCode": "CL"}), 400, path)


async def test_vendor_completion_is_seen_by_list_calls_too(api: Api, clock: FakeClock) -> None:
    order = (await api.post("/orders", cancellation("1000179", "1000275"))).json()
    await api.patch(f"/orders/{order['id']}", {"statusCode": "AP"})
    clock.advance(3600)
    listed = (await api.get("/orders", subscriptionId="1000179")).json()["data"]
    assert [o["statusCode"] for o in listed] == ["CP"]
    subs = (await api.get("/subscriptions", status="terminated")).json()["data"]
    assert "1000179" in [s["id"] for s in subs]


async def test_zero_vendor_delay_completes_on_the_next_request(clock: FakeClock) -> None:
    async with sandbox_api(clock, vendor_delay=0) as api:
        order = (await api.post("/orders", cancellation("1000179", "1000275"))).json()
        approved = (await api.patch(f"/orders/{order['id']}", {"statusCode": "AP"})).json()
        assert approved["statusCode"] == "AP"
        assert (await api.get(f"/orders/{order['id']}")).json()["statusCode"] == "CP"


@pytest.mark.parametrize("approve_first", [False, True])
async def test_withdraw_an_open_cancellation(
    api: Api, clock: FakeClock, approve_first: bool
) -> None:
    order = (await api.post("/orders", cancellation("1000301", "1000422"))).json()
    if approve_first:
        await api.patch(f"/orders/{order['id']}", {"statusCode": "AP"})
    withdrawn = await api.patch(f"/orders/{order['id']}", {"statusCode": "CL"})
    assert withdrawn.status_code == 200
    assert (withdrawn.json()["status"], withdrawn.json()["statusCode"]) == ("cancelled", "CL")
    clock.advance(86400)
    assert (await api.get("/subscriptions/1000301")).json()["status"] == "active"
    path = f"/orders/{order['id']}"
    for code in ("AP", "CL"):
        assert_error(await api.patch(path, {"statusCode": code}), 400, path)
    # A withdrawn order is history: a new cancellation may be placed.
    again = await api.post("/orders", cancellation("1000301", "1000422"))
    assert again.status_code == 201


async def test_seeded_pending_order_can_be_approved(api: Api) -> None:
    listed = (await api.get("/orders", subscriptionId="1000202")).json()["data"]
    assert len(listed) == 1
    seeded = listed[0]
    assert (seeded["status"], seeded["statusCode"], seeded["orderNumber"]) == (
        "submitted",
        "PA",
        "SO000001",
    )
    assert seeded["attributes"]["placedBy"] == "subctl"
    assert seeded["attributes"]["cancellationReason"] == "Closing the shop"
    approved = await api.patch(f"/orders/{seeded['id']}", {"statusCode": "AP"})
    assert approved.json()["statusCode"] == "AP"


async def test_second_open_order_of_a_type_is_refused(api: Api) -> None:
    response = await api.post("/orders", cancellation("1000202", "1000310"))
    assert_error(response, 400, "/orders")
    assert "open order" in response.json()["message"]
    assert "SO000001" in response.json()["message"]
    first = (await api.post("/orders", cancellation("1000177", "1000275"))).json()
    await api.patch(f"/orders/{first['id']}", {"statusCode": "AP"})
    processing = await api.post("/orders", cancellation("1000177", "1000275"))
    assert "open order" in processing.json()["message"]
    # A renewal is another type, so it is still allowed.
    assert (await api.post("/orders", renewal("1000202", "1000310"))).status_code == 201


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"type": "cancellation", "customerId": "1000275", "subscriptionId": "1000177"}, "Reason"),
        (cancellation("1000177", "1000275", "   "), "Reason"),
        (cancellation("1000177", "1000310"), "does not belong"),
        (renewal("1000201", "1000275"), "does not belong"),
        (renewal("1000302", "1000422"), "terminated"),
        (renewal("1000303", "1000422"), "pending"),
        (cancellation("1000304", "1000422"), "hold"),
        (renewal("4242", "1000275"), "No entity has been found"),
        ({"type": "sales", "customerId": "1000275", "subscriptionId": "1000177"}, "not supported"),
        ({"type": "renewal", "customerId": "1000275"}, "subscriptionId"),
        ({"type": "renewal", "customerId": 1000275, "subscriptionId": "1000177"}, "customerId"),
        ({**renewal("1000177", "1000275"), "attributes": {"n": 1}}, "attributes"),
        ({**renewal("1000177", "1000275"), "attributes": ["x"]}, "attributes"),
    ],
)
async def test_invalid_orders_are_refused_and_create_nothing(
    api: Api, body: dict[str, Any], fragment: str
) -> None:
    before = await order_count(api)
    for path in ("/orders", "/orders/estimate"):
        response = await api.post(path, body)
        assert_error(response, 400, path)
        assert fragment in response.json()["message"]
    assert await order_count(api) == before
    assert (await api.get("/subscriptions/1000177")).json()["expirationDate"] == "2027-03-31"


@pytest.mark.parametrize("raw", [b"{oops", b"[1, 2]", b"null", b""])
async def test_malformed_order_bodies(api: Api, raw: bytes) -> None:
    response = await api.client.post(
        "/orders", headers={**api.headers, "Content-Type": "application/json"}, content=raw
    )
    assert_error(response, 400, "/orders")


async def test_unknown_order_fields_are_ignored(api: Api) -> None:
    body = {**renewal("1000177", "1000275"), "poNumber": "PO1", "products": []}
    assert (await api.post("/orders", body)).status_code == 201


async def test_estimate_prices_one_term_and_creates_nothing(api: Api) -> None:
    before = await order_count(api)
    response = await api.post("/orders/estimate", renewal("1000177", "1000275"))
    assert response.status_code == 200
    estimate = Order.model_validate(response.json())
    assert estimate.total is not None
    assert (estimate.total.amount, estimate.total.currency) == ("70.50", "GBP")
    assert estimate.subscriptionId == "1000177"
    cancel = (await api.post("/orders/estimate", cancellation("1000178", "1000275"))).json()
    assert cancel["total"] == {"amount": "0.00", "currency": "GBP"}
    # An open order does not stop an estimate: pricing several terms is a read.
    assert (
        await api.post("/orders/estimate", cancellation("1000202", "1000310"))
    ).status_code == 200
    assert await order_count(api) == before
    assert (await api.get("/subscriptions/1000177")).json()["expirationDate"] == "2027-03-31"


async def test_estimate_without_a_price_is_zero_gbp(clock: FakeClock, tmp_path: Any) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        '{"subscriptions": [{"id": "1", "customerId": "2", "status": "active",'
        ' "subscriptionPeriod": {"type": "month", "duration": 1},'
        ' "expirationDate": "2027-01-31"}]}'
    )
    async with sandbox_api(clock, seed=seed) as api:
        estimate = (await api.post("/orders/estimate", renewal("1", "2"))).json()
        assert estimate["total"] == {"amount": "0.00", "currency": "GBP"}
        created = (await api.post("/orders", renewal("1", "2"))).json()
        assert created["total"] == {"amount": "0.00", "currency": "GBP"}
        assert (await api.get("/subscriptions/1")).json()["expirationDate"] == "2027-02-28"


@pytest.mark.parametrize(
    "body", [{"statusCode": "CP"}, {"statusCode": "ER"}, {}, {"statusCode": 1}, {"x": "AP"}]
)
async def test_order_patch_accepts_only_ap_or_cl(api: Api, body: dict[str, Any]) -> None:
    path = "/orders/5000001"
    assert_error(await api.patch(path, body), 400, path)
    assert (await api.get(path)).json()["statusCode"] == "PA"


@pytest.mark.parametrize("order_id", ["1", "5999999", "abc"])
async def test_missing_order_is_400_no_entity(api: Api, order_id: str) -> None:
    for response in (
        await api.get(f"/orders/{order_id}"),
        await api.patch(f"/orders/{order_id}", {"statusCode": "CL"}),
    ):
        assert_error(response, 400, f"/orders/{order_id}")
        assert response.json()["message"] == "No entity has been found"


async def test_list_orders_filters_and_paging(api: Api) -> None:
    renewed = (await api.post("/orders", renewal("1000177", "1000275"))).json()
    cancel = (await api.post("/orders", cancellation("1000178", "1000275"))).json()
    await api.post("/orders", renewal("1000301", "1000422"))

    async def ids(**params: str) -> list[str]:
        return [o["id"] for o in (await api.get("/orders", **params)).json()["data"]]

    assert await ids(customerId="1000275") == [renewed["id"], cancel["id"]]
    assert await ids(subscriptionId="1000178") == [cancel["id"]]
    assert await ids(status="submitted") == ["5000001", cancel["id"]]
    assert await ids(statusCode="CP", customerId="1000422") != []
    assert await ids(orderNumber=renewed["orderNumber"]) == [renewed["id"]]
    assert await ids(subscriptionId="not-a-number") == []
    page = (await api.get("/orders", offset=1, limit=2)).json()
    assert page["pagination"] == {"offset": 1, "limit": 2, "total": 4}
    assert [o["id"] for o in page["data"]] == [renewed["id"], cancel["id"]]
    full = page["data"][1]
    assert {"subscriptionId", "attributes", "creationDate", "total"} <= set(full)


async def test_seeded_error_order_can_be_withdrawn(clock: FakeClock, tmp_path: Any) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "subscriptions:\n"
        "  - {id: '7', customerId: '8', status: active, expirationDate: 2027-01-31,\n"
        "     subscriptionPeriod: {type: month, duration: 1}}\n"
        "orders:\n"
        "  - {type: cancellation, customerId: '8', subscriptionId: '7', statusCode: ER,\n"
        "     attributes: {cancellationReason: x}}\n"
        "  - {type: cancellation, customerId: '8', subscriptionId: '7', statusCode: AP}\n"
    )
    async with sandbox_api(clock, seed=seed) as api:
        orders = (await api.get("/orders", subscriptionId="7")).json()["data"]
        assert [(o["status"], o["statusCode"]) for o in orders] == [
            ("error", "ER"),
            ("processing", "AP"),
        ]
        errored = orders[0]["id"]
        assert (await api.patch(f"/orders/{errored}", {"statusCode": "AP"})).status_code == 400
        withdrawn = (await api.patch(f"/orders/{errored}", {"statusCode": "CL"})).json()
        assert withdrawn["status"] == "cancelled"
        clock.advance(60)  # the seeded approved order completes vendor_delay after seeding
        assert (await api.get("/subscriptions/7")).json()["status"] == "terminated"


async def test_seeded_odd_orders_never_wedge_the_vendor(clock: FakeClock, tmp_path: Any) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "subscriptions:\n"
        "  - {id: '7', customerId: '8', status: active}\n"  # no period, no expiry
        "orders:\n"
        "  - {type: renewal, customerId: '8', subscriptionId: '7', statusCode: AP,\n"
        "     creationDate: '2026-11-20T10:00:00'}\n"
    )
    async with sandbox_api(clock, seed=seed) as api:
        clock.advance(61)
        orders = (await api.get("/orders", subscriptionId="7")).json()["data"]
        assert orders[0]["statusCode"] == "CP"
        assert orders[0]["creationDate"] == "2026-11-20T10:00:00Z"  # a zoneless seed is UTC
        assert (await api.get("/subscriptions/7")).json()["status"] == "active"
