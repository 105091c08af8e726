"""Issue 12: the retry budget is time, configurable, and obeys the server's Retry-After.

A marketplace that throttles (429 + Retry-After up to 120 s, several times in a row)
must be waited for, not given up on after a count of attempts; token requests that
get 429 wait too, also when several callers share one refresh.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from controller.errors import ApiServerError, ConfigError
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.settings import DEFAULT_RETRY_BUDGET, ApiSettings
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock, subscription

pytestmark = pytest.mark.usefixtures("backoff")


@pytest.fixture(autouse=True)
def _seed(api: FakeApi) -> None:
    api.add_subscriptions(subscription("1000177"))


@pytest.mark.anyio
async def test_retry_after_of_two_minutes_is_honoured(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    api.retry_after = "120"
    api.script("GET /subscriptions/{id}", "429")
    sub = await client.get_subscription("1000177")
    assert sub.id == "1000177"
    assert clock.sleeps
    assert clock.sleeps[0] >= 120.0


@pytest.mark.anyio
async def test_repeated_429s_are_honoured_beyond_the_attempt_count(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    api.retry_after = "10"
    throttled = client.settings.retry_attempts + 3
    api.script("GET /subscriptions/{id}", *["429"] * throttled)
    await client.get_subscription("1000177")
    assert client.calls["GET /subscriptions/{id}"] == throttled + 1
    assert all(s >= 10.0 for s in clock.sleeps)


@pytest.mark.anyio
async def test_retry_after_beyond_the_remaining_budget_names_the_wait(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = make_client(http, clock, retry_total_seconds=60.0)
    api.retry_after = "90"
    api.script("GET /subscriptions/{id}", "429")
    with pytest.raises(ApiServerError, match="asked to wait 90 s") as info:
        await client.get_subscription("1000177")
    assert "SUBCTL_RETRY_BUDGET" in str(info.value)
    assert clock.sleeps == []


@pytest.mark.anyio
async def test_retry_after_over_two_minutes_is_not_waited_for(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    api.retry_after = "600"
    api.script("GET /subscriptions/{id}", "429")
    with pytest.raises(ApiServerError, match="asked to wait 600 s"):
        await client.get_subscription("1000177")
    assert clock.sleeps == []


@pytest.mark.anyio
async def test_concurrent_callers_wait_out_a_throttled_token_request(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    api.retry_after = "30"
    api.script("POST /token", "429", "429")
    done: list[str] = []

    async def one() -> None:
        done.append((await client.get_subscription("1000177")).id)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(one)
    assert done == ["1000177"] * 5
    assert all(s >= 30.0 for s in clock.sleeps)


def test_budget_from_the_environment() -> None:
    env = {"SUBCTL_API_URL": "sandbox"}
    assert ApiSettings.from_env(None, environ=env).retry_total_seconds == DEFAULT_RETRY_BUDGET
    assert DEFAULT_RETRY_BUDGET >= 180
    env["SUBCTL_RETRY_BUDGET"] = "300"
    assert ApiSettings.from_env(None, environ=env).retry_total_seconds == 300.0
    env["SUBCTL_RETRY_BUDGET"] = "soon"
    with pytest.raises(ConfigError, match="SUBCTL_RETRY_BUDGET"):
        ApiSettings.from_env(None, environ=env)
