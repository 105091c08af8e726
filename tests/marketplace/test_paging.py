"""Paging: exact call counts, server-capped limits, lists that change under us."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from controller.errors import ApiProtocolError
from controller.marketplace.client import MarketplaceClient
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock, subscription


@pytest.mark.anyio
@pytest.mark.parametrize("page_size", [100, 1000])
async def test_ten_thousand_subscriptions_exact_call_count(
    http: httpx.AsyncClient, api: FakeApi, clock: FakeClock, page_size: int
) -> None:
    api.add_numbered(10_000)
    client = make_client(http, clock, page_size=page_size)
    ids = [s.id async for s in client.iter_subscriptions()]
    assert len(ids) == len(set(ids)) == 10_000
    assert client.calls.snapshot() == {
        "POST /token": 1,
        "GET /subscriptions": math.ceil(10_000 / page_size),
    }
    assert api.count("GET", "/subscriptions") == math.ceil(10_000 / page_size)


@pytest.mark.anyio
async def test_filters_and_paging_parameters_sent(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(5)
    api.add_subscriptions(subscription("1000310", customer="1000310"))
    client = make_client(http, clock, page_size=2)
    subs = [s async for s in client.iter_subscriptions(customer_id="1000310", status="active")]
    assert [s.id for s in subs] == ["1000310"]
    params = api.requests[-1].url.params
    assert dict(params) == {
        "customerId": "1000310",
        "status": "active",
        "offset": "0",
        "limit": "2",
    }


@pytest.mark.anyio
async def test_lazy_one_page_at_a_time(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(1000)
    client = make_client(http, clock, page_size=100)
    pages = client.iter_subscriptions()
    first = await anext(pages)
    assert first.id == "2000000"
    assert client.calls["GET /subscriptions"] == 1
    await pages.aclose()  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_server_capped_limit_is_not_mistaken_for_the_last_page(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(1000)
    api.page_limit_max = 50
    client = make_client(http, clock, page_size=100)
    ids = [s.id async for s in client.iter_subscriptions()]
    assert len(set(ids)) == 1000
    assert client.calls["GET /subscriptions"] == 20


@pytest.mark.anyio
async def test_exact_multiple_stops_on_total_without_extra_call(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.add_numbered(200)
    assert len([s async for s in client.iter_subscriptions()]) == 200
    assert client.calls["GET /subscriptions"] == 2


@pytest.mark.anyio
async def test_empty_list_is_one_call(client: MarketplaceClient) -> None:
    assert [s async for s in client.iter_subscriptions()] == []
    assert client.calls["GET /subscriptions"] == 1


def _mutating_hook(call_to_act_on: int, action: Any) -> Any:
    calls = {"n": 0}

    def hook(api: FakeApi) -> None:
        calls["n"] += 1
        if calls["n"] == call_to_act_on:
            action(api)

    return hook


@pytest.mark.anyio
async def test_insert_before_offset_does_not_repeat(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(250, first=2_000_100)

    def insert_at_front(api: FakeApi) -> None:
        api.subscriptions = {"2000000": subscription("2000000"), **api.subscriptions}

    api.before_page.append(_mutating_hook(2, insert_at_front))
    client = make_client(http, clock, page_size=100)
    ids = [s.id async for s in client.iter_subscriptions()]
    assert len(ids) == len(set(ids)), "an item was yielded twice"
    assert set(ids) >= {str(2_000_100 + i) for i in range(250)}
    assert "2000000" in ids  # found by the re-check pass


@pytest.mark.anyio
async def test_delete_before_offset_does_not_miss(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(250)

    def delete_from_first_page(api: FakeApi) -> None:
        del api.subscriptions["2000005"]

    api.before_page.append(_mutating_hook(2, delete_from_first_page))
    client = make_client(http, clock, page_size=100)
    ids = [s.id async for s in client.iter_subscriptions()]
    survivors = {str(2_000_000 + i) for i in range(250)} - {"2000005"}
    assert survivors <= set(ids), f"missed {sorted(survivors - set(ids))[:5]}"
    assert len(ids) == len(set(ids))
    # First pass: 3 pages (total 250 then 249); the re-check pass: 3 more.
    assert client.calls["GET /subscriptions"] == 6


@pytest.mark.anyio
async def test_stable_list_needs_no_second_pass(api: FakeApi, client: MarketplaceClient) -> None:
    api.add_numbered(250)
    assert len([s async for s in client.iter_subscriptions()]) == 250
    assert client.calls["GET /subscriptions"] == 3


@pytest.mark.anyio
async def test_short_page_stops_without_pagination_block() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "t", "expiresInSeconds": 60})
        calls.append(str(request.url.params["offset"]))
        offset = int(request.url.params["offset"])
        count = 2 if offset == 0 else 1
        data = [subscription(str(3_000_000 + offset + i)) for i in range(count)]
        return httpx.Response(200, json={"data": data})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http, FakeClock(), page_size=2)
        ids = [s.id async for s in client.iter_subscriptions()]
    assert ids == ["3000000", "3000001", "3000002"]
    assert calls == ["0", "2"]


@pytest.mark.anyio
async def test_list_without_data_is_a_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "t", "expiresInSeconds": 60})
        return httpx.Response(200, json={"items": []})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http, FakeClock())
        with pytest.raises(ApiProtocolError, match="data"):
            [s async for s in client.iter_orders(subscription_id="1")]
