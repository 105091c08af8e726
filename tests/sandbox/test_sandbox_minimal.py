"""The minimal profile: only what the published SimpleAPI 1.15 guarantees (issue 12).

Plain httpx calls over the embedded transport (ASGITransport), asserting the JSON as a
client would see it, so a client that passes against this profile copes with these
shapes on the real marketplace.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from controller.sandbox.clock import FakeClock
from tests.sandbox.support import (
    Api,
    assert_error,
    cancellation,
    check_order,
    check_subscription,
    renewal,
    sandbox_api,
)

pytestmark = pytest.mark.anyio

SPACED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
ISO_NAIVE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


@pytest.fixture
async def minimal(clock: FakeClock) -> AsyncIterator[Api]:
    # token_ttl left to the profile: sandbox_api's long default is for the full profile.
    async with sandbox_api(clock, profile="minimal", token_ttl=None) as api:
        yield api


async def test_order_list_items_have_no_subscription_id_or_attributes(minimal: Api) -> None:
    body = (await minimal.get("/orders")).json()
    assert body["data"], "the demo set has an open cancellation"
    for item in body["data"]:
        check_order(item, list_item=True)
        assert "subscriptionId" not in item
        assert "attributes" not in item
    # The published filter still finds a subscription's orders.
    filtered = (await minimal.get("/orders", subscriptionId="1000202")).json()["data"]
    assert [o["orderNumber"] for o in filtered] == ["SO000001"]
    assert (await minimal.get("/orders", subscriptionId="1000177")).json()["data"] == []
    # One order (OrderDetailed) carries both.
    one = (await minimal.get(f"/orders/{filtered[0]['id']}")).json()
    check_order(one)
    assert one["subscriptionId"] == "1000202"
    assert one["attributes"]["cancellationReason"]


async def test_subscription_list_items_are_published_subscription_only(minimal: Api) -> None:
    items = (await minimal.get("/subscriptions", limit=25)).json()["data"]
    assert items
    for item in items:
        check_subscription(item, list_item=True)
        assert "totalPrice" not in item
    one = (await minimal.get("/subscriptions/1000177")).json()
    check_subscription(one)
    assert one["totalPrice"] == {"amount": "70.50", "currency": "GBP"}


async def test_estimate_has_only_type_customer_and_total(minimal: Api) -> None:
    body = (await minimal.post("/orders/estimate", renewal("1000177", "1000275"))).json()
    assert body == {
        "type": "renewal",
        "customerId": "1000275",
        "total": {"amount": "70.50", "currency": "GBP"},
    }


async def test_token_lifetime_and_page_cap(minimal: Api) -> None:
    token = (await minimal.login()).json()
    assert token["expiresInSeconds"] == 1500
    page = (await minimal.get("/subscriptions", limit=100)).json()
    # Below the client's page size of 100: a client must follow pagination.total.
    assert page["pagination"]["limit"] == 25
    assert len(page["data"]) <= 25


async def test_order_date_times_are_naive(minimal: Api) -> None:
    item = (await minimal.get("/orders")).json()["data"][0]
    assert SPACED.match(item["creationDate"]), item["creationDate"]
    one = (await minimal.get(f"/orders/{item['id']}")).json()
    assert ISO_NAIVE.match(one["creationDate"]), one["creationDate"]


async def test_renewal_passes_through_submitted_and_processing(
    minimal: Api, clock: FakeClock
) -> None:
    created = await minimal.post("/orders", renewal("1000178", "1000275"))
    assert created.status_code == 201
    order = created.json()
    assert (order["status"], order["statusCode"]) == ("submitted", "SB")
    path = f"/orders/{order['id']}"

    async def state() -> tuple[str, str, str]:
        now = (await minimal.get(path)).json()
        sub = (await minimal.get("/subscriptions/1000178")).json()
        return now["status"], now["statusCode"], sub["expirationDate"]

    assert await state() == ("submitted", "SB", "2026-12-15")
    clock.advance(10)  # half the default 20 s renewal delay
    assert await state() == ("processing", "PR", "2026-12-15")
    # A second open renewal is refused, like a second open cancellation.
    second = await minimal.post("/orders", renewal("1000178", "1000275"))
    assert_error(second, 400, "/orders")
    assert order["orderNumber"] in second.json()["message"]
    clock.advance(10)
    # The expiry moves when the order completes, not when it is placed.
    assert await state() == ("completed", "CP", "2027-01-15")
    again = await minimal.post("/orders", renewal("1000178", "1000275"))
    assert again.status_code == 201


async def test_open_renewal_can_be_withdrawn_and_never_moves_the_expiry(
    minimal: Api, clock: FakeClock
) -> None:
    order = (await minimal.post("/orders", renewal("1000178", "1000275"))).json()
    path = f"/orders/{order['id']}"
    assert_error(await minimal.patch(path, {"statusCode": "AP"}), 400, path)  # not a PA order
    assert (await minimal.patch(path, {"statusCode": "CL"})).json()["status"] == "cancelled"
    clock.advance(60)
    sub = (await minimal.get("/subscriptions/1000178")).json()
    assert sub["expirationDate"] == "2026-12-15"


async def test_an_open_renewal_does_not_block_a_cancellation(minimal: Api) -> None:
    await minimal.post("/orders", renewal("1000178", "1000275"))
    response = await minimal.post("/orders", cancellation("1000178", "1000275"))
    assert response.status_code == 201


async def test_explicit_options_win_over_the_profile(clock: FakeClock) -> None:
    async with sandbox_api(
        clock, profile="minimal", renewal_delay=0, token_ttl=None, page_limit_max=50
    ) as api:
        order = (await api.post("/orders", renewal("1000178", "1000275"))).json()
        assert order["statusCode"] == "CP"
        assert (await api.get("/orders", limit=100)).json()["pagination"]["limit"] == 50


async def test_full_profile_is_unchanged(api: Api) -> None:
    # The default profile keeps its fuller answers: subctl's own tests rely on them.
    item = (await api.get("/orders")).json()["data"][0]
    assert item["subscriptionId"] == "1000202"
    assert item["creationDate"].endswith("Z")
    estimate = (await api.post("/orders/estimate", renewal("1000177", "1000275"))).json()
    assert {"id", "status", "subscriptionId"} <= set(estimate)
    assert (await api.login()).json()["expiresInSeconds"] == 10 * 86400
