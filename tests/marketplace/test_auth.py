"""Tokens: fetched once, shared, replaced before expiry, refreshed once on 401."""

from __future__ import annotations

import base64

import anyio
import httpx
import pytest

from controller.errors import Unauthorized
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.settings import Secret
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import (
    PASSWORD,
    SUBSCRIPTION_KEY,
    USERNAME,
    FakeApi,
    FakeClock,
    subscription,
)


@pytest.fixture(autouse=True)
def _seed(api: FakeApi) -> None:
    api.add_subscriptions(subscription("1000177"), subscription("1000178"))


async def _together(client: MarketplaceClient, n: int) -> None:
    """``n`` reads of subscription 1000177 at once, all needing the one shared token."""
    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(client.get_subscription, "1000177")


@pytest.mark.anyio
async def test_token_request_shape_and_caching(api: FakeApi, client: MarketplaceClient) -> None:
    for _ in range(5):
        await client.get_subscription("1000177")
    assert client.calls["POST /token"] == 1
    assert client.calls["GET /subscriptions/{id}"] == 5
    token_request = api.requests[0]
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"
    assert token_request.headers["X-Subscription-Key"] == SUBSCRIPTION_KEY
    assert api.token_bodies == [{"marketplace": "uk"}]
    for request in api.requests[1:]:
        assert request.headers["Authorization"].startswith("Bearer tok-1-")
        assert request.headers["X-Subscription-Key"] == SUBSCRIPTION_KEY


@pytest.mark.anyio
async def test_refresh_before_expiry(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    await client.get_subscription("1000177")
    clock.now += 3600 - 61  # just before the 60 s margin
    await client.get_subscription("1000177")
    assert client.calls["POST /token"] == 1
    clock.now += 2  # inside the margin: replaced before the server would refuse it
    await client.get_subscription("1000177")
    assert client.calls["POST /token"] == 2
    assert api.count("GET", "/subscriptions/1000177") == 3  # no 401 round trip needed


@pytest.mark.anyio
async def test_short_lived_tokens_use_a_quarter_margin(
    http: httpx.AsyncClient, api: FakeApi, clock: FakeClock
) -> None:
    api.token_ttl = 20
    client = make_client(http, clock)
    await client.get_subscription("1000177")
    clock.now += 14
    await client.get_subscription("1000177")
    assert client.calls["POST /token"] == 1
    clock.now += 2  # 16 s: past 20 - min(60, 20/4)
    await client.get_subscription("1000177")
    assert client.calls["POST /token"] == 2


@pytest.mark.anyio
async def test_refresh_once_on_401(api: FakeApi, client: MarketplaceClient) -> None:
    await client.get_subscription("1000177")
    api.tokens.clear()  # the server forgets every token (rotation, restart)
    sub = await client.get_subscription("1000178")
    assert sub.id == "1000178"
    assert client.calls["POST /token"] == 2
    assert api.count("GET", "/subscriptions/1000178") == 2


@pytest.mark.anyio
async def test_persistent_401_raises_after_one_refresh(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.token_ttl = 0  # every token is dead on arrival
    with pytest.raises(Unauthorized) as info:
        await client.get_subscription("1000177")
    assert info.value.status == 401
    assert api.count("GET", "/subscriptions/1000177") == 2
    assert client.calls["POST /token"] == 2


@pytest.mark.anyio
async def test_403_is_not_a_token_problem(client: MarketplaceClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "t-1", "expiresInSeconds": 3600})
        return httpx.Response(403, json={"message": "Forbidden for this reseller"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http, FakeClock())
        with pytest.raises(Unauthorized, match="Forbidden"):
            await client.get_subscription("1000177")
        assert client.calls.snapshot() == {"POST /token": 1, "GET /subscriptions/{id}": 1}


@pytest.mark.anyio
async def test_wrong_credentials(http: httpx.AsyncClient, clock: FakeClock) -> None:
    client = make_client(http, clock, password=Secret("wrong"))
    with pytest.raises(Unauthorized) as info:
        await client.get_subscription("1000177")
    assert info.value.path == "/token"
    assert client.calls["GET /subscriptions/{id}"] == 0


@pytest.mark.anyio
async def test_one_token_fetch_for_concurrent_callers(client: MarketplaceClient) -> None:
    await _together(client, 20)
    assert client.calls["POST /token"] == 1
    assert client.calls["GET /subscriptions/{id}"] == 20


@pytest.mark.anyio
async def test_concurrent_callers_share_one_early_refresh(
    client: MarketplaceClient, clock: FakeClock
) -> None:
    # A cached token is handed out without the lock; once it is due, callers must still
    # queue behind the one refresh instead of each fetching (or using the old token).
    await client.get_subscription("1000177")
    clock.now += 3600 - 59  # inside the refresh margin
    await _together(client, 10)
    assert client.calls["POST /token"] == 2
    assert client.calls["GET /subscriptions/{id}"] == 11


@pytest.mark.anyio
async def test_concurrent_401s_share_one_refresh(api: FakeApi, client: MarketplaceClient) -> None:
    await client.get_subscription("1000177")
    api.tokens.clear()
    await _together(client, 10)
    assert client.calls["POST /token"] == 2
    assert client.calls["GET /subscriptions/{id}"] == 21  # 1 + 10 refused + 10 re-sent


@pytest.mark.anyio
async def test_token_fetch_retried_on_503(api: FakeApi, client: MarketplaceClient) -> None:
    api.script("POST /token", "503", "drop")
    await client.get_subscription("1000177")
    assert client.calls["POST /token"] == 3
