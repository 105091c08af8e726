"""Issue 16 (d): paging against a server that ignores offset or claims absurd totals stops
with one clear error after a bounded number of calls (it once made 5,185 GETs in 35 s)."""

from __future__ import annotations

import httpx
import pytest

from controller.errors import ApiProtocolError
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock


@pytest.mark.anyio
@pytest.mark.parametrize("page_size", [10, 100])
async def test_server_ignoring_offset_stops_with_a_clear_error(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock, page_size: int
) -> None:
    api.add_numbered(500)
    api.ignore_offset = True
    client = make_client(http, clock, page_size=page_size)
    with pytest.raises(ApiProtocolError, match="brought nothing new"):
        [s async for s in client.iter_subscriptions()]
    # The first page, then at most one window of pages (4 x max_concurrency).
    assert client.calls["GET /subscriptions"] <= 1 + 4 * client.settings.max_concurrency


@pytest.mark.anyio
async def test_server_ignoring_offset_without_total_stops_too(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(50)
    api.ignore_offset = True

    def no_pagination(request: httpx.Request) -> httpx.Response:
        response = api.handle(request)
        if request.url.path.endswith("/subscriptions"):
            body = response.json()
            body.pop("pagination", None)
            return httpx.Response(200, json=body)
        return response

    async with httpx.AsyncClient(transport=httpx.MockTransport(no_pagination)) as plain:
        client = make_client(plain, clock, page_size=10)
        with pytest.raises(ApiProtocolError, match="brought nothing new"):
            [s async for s in client.iter_subscriptions()]
        assert client.calls["GET /subscriptions"] == 2


@pytest.mark.anyio
@pytest.mark.parametrize("total", [10**12, 1_000_001])
async def test_implausible_total_is_refused(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock, total: int
) -> None:
    api.add_numbered(5)
    api.total_override = total
    client = make_client(http, clock, page_size=2)
    with pytest.raises(ApiProtocolError, match="implausible list total"):
        [s async for s in client.iter_subscriptions()]
    assert client.calls["GET /subscriptions"] == 1


@pytest.mark.anyio
async def test_negative_total_is_refused(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(5)
    api.total_override = -1
    client = make_client(http, clock, page_size=2)
    with pytest.raises(ApiProtocolError, match="total"):
        [s async for s in client.iter_subscriptions()]


@pytest.mark.anyio
async def test_total_bigger_than_the_items_ends_at_an_empty_page(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    # A total that claims more than exists (but plausibly) ends at the first short page.
    api.add_numbered(25)
    api.total_override = 900
    client = make_client(http, clock, page_size=10, max_concurrency=1)
    ids = [s.id async for s in client.iter_subscriptions()]
    assert len(ids) == 25
    assert client.calls["GET /subscriptions"] <= 90


@pytest.mark.anyio
async def test_max_total_is_configurable(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_numbered(30)
    client = make_client(http, clock, page_size=10, max_list_total=20)
    with pytest.raises(ApiProtocolError, match="more than 20"):
        [s async for s in client.iter_subscriptions()]
