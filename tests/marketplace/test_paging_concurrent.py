"""Concurrent paging: after the first page tells the total, the rest come a window at a time."""

from __future__ import annotations

import math

import anyio
import httpx
import pytest

from controller.errors import ApiServerError
from controller.marketplace.exchange import Reply
from controller.marketplace.paging import iter_items
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock


@pytest.mark.anyio
@pytest.mark.parametrize(("n", "page_size"), [(10_000, 100), (1_234, 100), (100, 100), (7, 10)])
async def test_every_item_once_in_order_with_exactly_ceil_total_over_page_calls(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock, n: int, page_size: int
) -> None:
    api.add_numbered(n)
    client = make_client(http, clock, page_size=page_size)
    ids = [s.id async for s in client.iter_subscriptions()]
    assert ids == [str(2_000_000 + i) for i in range(n)]  # once each, in list order
    assert client.calls["GET /subscriptions"] == math.ceil(n / page_size)


@pytest.mark.anyio
async def test_pages_after_the_first_are_in_flight_together(api: FakeApi, clock: FakeClock) -> None:
    api.add_numbered(2_000)
    slow, in_flight = api.counting_transport()
    async with httpx.AsyncClient(transport=slow) as http:
        client = make_client(http, clock, page_size=100, max_concurrency=4)
        assert len([s async for s in client.iter_subscriptions()]) == 2_000
    assert in_flight["peak"] == 4  # the window is the client's max_concurrency
    assert client.calls["GET /subscriptions"] == 20


@pytest.mark.anyio
async def test_total_that_grows_after_the_first_page_is_read_again(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(250)
    calls = {"n": 0}

    def grow(api: FakeApi) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # after the first page said 250
            api.add_numbered(60, first=3_000_000)

    api.before_page.append(grow)
    client = make_client(http, clock, page_size=100)
    ids = [s.id async for s in client.iter_subscriptions()]
    assert len(ids) == len(set(ids)) == 310  # the tail beyond 250 found by the next pass


@pytest.mark.anyio
async def test_server_cap_below_page_size_sets_the_step(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(1_000)
    api.page_limit_max = 30
    client = make_client(http, clock, page_size=100)
    ids = [s.id async for s in client.iter_subscriptions()]
    assert ids == [str(2_000_000 + i) for i in range(1_000)]
    assert client.calls["GET /subscriptions"] == math.ceil(1_000 / 30)


@pytest.mark.anyio
async def test_a_failed_page_raises_our_error_not_an_exception_group() -> None:
    async def fetch(offset: int, limit: int) -> Reply:
        if offset == 300:
            raise ApiServerError("down", method="GET", path="/subscriptions", status=503)
        await anyio.lowlevel.checkpoint()
        data = [{"id": str(offset + i)} for i in range(limit)]
        body = {"data": data, "pagination": {"offset": offset, "limit": limit, "total": 1_000}}
        return Reply("GET", "/subscriptions", 200, body, None)

    pages = iter_items(fetch, lambda raw, _r: raw, str, 100, window=8)
    with pytest.raises(ApiServerError):
        [item async for item in pages]


@pytest.mark.anyio
async def test_rate_is_never_exceeded_while_paging_concurrently(
    api: FakeApi, clock: FakeClock
) -> None:
    api.add_numbered(3_000)
    stamps: list[float] = []

    async def stamp(request: httpx.Request) -> httpx.Response:
        stamps.append(clock.now)
        await anyio.lowlevel.checkpoint()
        return api.handle(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(stamp)) as http:
        client = make_client(http, clock, page_size=100, max_rate=10.0, rate_burst=4)
        assert len([s async for s in client.iter_subscriptions()]) == 3_000
    assert len(stamps) == 31  # a token and 30 pages
    for i, start in enumerate(stamps):
        for window in (0.5, 1.0, 2.0):
            inside = sum(1 for t in stamps[i:] if t < start + window)
            assert inside <= 4 + 10 * window  # burst + rate x window, never more
    assert stamps[-1] - stamps[0] == pytest.approx((31 - 4) / 10.0)
