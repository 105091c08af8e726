"""Retries: which calls, how often, how long; Retry-After honoured; fake time only."""

from __future__ import annotations

import httpx
import pytest

from controller.errors import ApiServerError, ApiUnavailable, NotFound
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.retry import RetryPolicy, set_testing
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock, subscription


@pytest.fixture(autouse=True)
def _seed(api: FakeApi) -> None:
    api.add_subscriptions(
        subscription("1000177", totalPrice={"amount": "70.50", "currency": "GBP"})
    )


@pytest.mark.anyio
@pytest.mark.parametrize("faults", [("500",), ("503", "502"), ("timeout",), ("drop", "429")])
async def test_get_retried_until_success(
    api: FakeApi, client: MarketplaceClient, faults: tuple[str, ...]
) -> None:
    api.script("GET /subscriptions/{id}", *faults)
    sub = await client.get_subscription("1000177")
    assert sub.id == "1000177"
    assert client.calls["GET /subscriptions/{id}"] == len(faults) + 1


@pytest.mark.anyio
async def test_attempts_are_bounded(api: FakeApi, client: MarketplaceClient) -> None:
    api.script("GET /subscriptions/{id}", *["503"] * 10)
    with pytest.raises(ApiServerError) as info:
        await client.get_subscription("1000177")
    assert info.value.status == 503
    assert client.calls["GET /subscriptions/{id}"] == client.settings.retry_attempts == 5


@pytest.mark.anyio
async def test_timeouts_exhaust_to_unavailable(api: FakeApi, client: MarketplaceClient) -> None:
    api.script("GET /orders/{id}", *["timeout"] * 5)
    with pytest.raises(ApiUnavailable, match="timed out"):
        await client.get_order("1")
    assert client.calls["GET /orders/{id}"] == 5


@pytest.mark.anyio
async def test_client_errors_never_retried(client: MarketplaceClient) -> None:
    with pytest.raises(NotFound):
        await client.get_order("404404")
    assert client.calls["GET /orders/{id}"] == 1


@pytest.mark.anyio
@pytest.mark.usefixtures("backoff")
async def test_retry_after_is_honoured(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    api.retry_after = "7"
    api.script("GET /subscriptions/{id}", "429", "429")
    await client.get_subscription("1000177")
    assert len(clock.sleeps) == 2
    assert all(s >= 7.0 for s in clock.sleeps), clock.sleeps


@pytest.mark.anyio
@pytest.mark.usefixtures("backoff")
async def test_backoff_grows_and_total_time_is_bounded(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = make_client(http, clock, retry_attempts=50, retry_total_seconds=20.0)
    api.script("GET /subscriptions/{id}", *["503"] * 50)
    started = clock.now
    with pytest.raises(ApiServerError):
        await client.get_subscription("1000177")
    assert clock.now - started <= 20.0
    waits = clock.sleeps
    assert 3 <= len(waits) < 49
    assert waits[1] > waits[0]  # 0.5 * 2**n with at most 50 % jitter still grows early on


@pytest.mark.anyio
@pytest.mark.usefixtures("backoff")
async def test_retry_after_beyond_budget_gives_up_at_once(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = make_client(http, clock, retry_total_seconds=30.0)
    api.retry_after = "3600"
    api.script("GET /subscriptions/{id}", "429")
    with pytest.raises(ApiServerError) as info:
        await client.get_subscription("1000177")
    assert info.value.retry_after == 3600.0
    assert clock.sleeps == []
    assert client.calls["GET /subscriptions/{id}"] == 1


def test_backoff_formula() -> None:
    set_testing(False)
    low = RetryPolicy(initial_wait=0.5, max_wait=10.0, jitter=0.5, random=lambda: 0.0)
    high = RetryPolicy(initial_wait=0.5, max_wait=10.0, jitter=0.5, random=lambda: 1.0)
    assert [low.backoff(n, None) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert [high.backoff(n, None) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert high.backoff(30, None) == 10.0
    err = ApiServerError("x", retry_after=4.0)
    assert low.backoff(1, err) == 4.0
    set_testing(True)
    assert high.backoff(3, err) == 0.0


@pytest.mark.anyio
async def test_testing_switch_means_no_waiting(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    api.retry_after = "30"
    api.script("GET /subscriptions/{id}", "429", "503")
    await client.get_subscription("1000177")
    assert clock.sleeps == [0.0, 0.0]


@pytest.mark.anyio
async def test_idempotent_writes_retry(api: FakeApi, client: MarketplaceClient) -> None:
    api.script("PATCH /subscriptions/{id}", "committed-502", "503")
    sub = (await client.set_auto_renew("1000177", False)).value
    assert sub.renewalStatus is False
    assert client.calls["PATCH /subscriptions/{id}"] == 3
    api.script("POST /orders/estimate", "500")
    price = await client.estimate_renewal("1000275", "1000177")
    assert (price.amount, price.currency) == ("70.50", "GBP")
    assert client.calls["POST /orders/estimate"] == 2
    assert api.orders == {}  # an estimate creates nothing


@pytest.mark.anyio
async def test_post_orders_never_blindly_retried(api: FakeApi, client: MarketplaceClient) -> None:
    """A 500 on POST /orders is followed by a re-read before anything is sent again."""
    api.script("POST /orders", "500")
    await client.place_order(
        "renewal",
        customer_id="1000275",
        subscription_id="1000177",
        attributes={"placedBy": "subctl"},
    )
    kinds = [
        f"{r.method} {r.url.path.removeprefix('/v1')}"
        for r in api.requests
        if "token" not in r.url.path
    ]
    # Baseline (orders, expiry), the POST, then the re-read (orders, expiry) proving
    # nothing was created before the second POST.
    assert kinds == [
        "GET /orders",
        "GET /subscriptions/1000177",
        "POST /orders",
        "GET /orders",
        "GET /subscriptions/1000177",
        "POST /orders",
    ]


@pytest.mark.anyio
async def test_patch_that_landed_before_retries_ran_out_is_success(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.script("PATCH /subscriptions/{id}", "committed-502", *["503"] * 10)
    sub = (await client.set_auto_renew("1000177", False)).value
    assert sub.renewalStatus is False
    assert client.calls["PATCH /subscriptions/{id}"] == 5
    assert client.calls["GET /subscriptions/{id}"] == 1


@pytest.mark.anyio
async def test_patch_that_never_landed_raises_its_own_error(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.script("PATCH /subscriptions/{id}", *["503"] * 10)
    with pytest.raises(ApiServerError) as info:
        await client.set_auto_renew("1000177", False)
    assert info.value.method == "PATCH"
    assert api.subscriptions["1000177"]["renewalStatus"] is True


@pytest.mark.anyio
@pytest.mark.usefixtures("backoff")
@pytest.mark.parametrize(
    ("failures", "attempts", "budget", "calls", "sleeps", "randoms"),
    [
        (2, 5, 60.0, 3, [0.3, 0.6], 2),  # succeeds on the third attempt
        (9, 4, 60.0, 4, [0.3, 0.6, 1.2], 4),  # attempts run out: the 4th wait is drawn, unused
        (9, 9, 1.0, 3, [0.3, 0.6], 3),  # the third wait (1.2 s) would end past the budget
    ],
)
async def test_retry_schedule_is_exact(
    failures: int, attempts: int, budget: float, calls: int, sleeps: list[float], randoms: int
) -> None:
    # The order of decisions the policy has always had (it ran on tenacity before):
    # after a failure the wait is drawn first, then the stop rules, then the sleep.
    clock = FakeClock()
    drawn: list[int] = []

    def random() -> float:
        drawn.append(1)
        return 0.2

    policy = RetryPolicy(
        attempts=attempts,
        total_seconds=budget,
        sleep=clock.sleep,
        clock=clock,
        random=random,
    )
    tries: list[int] = []

    async def call() -> str:
        tries.append(1)
        if len(tries) <= failures:
            raise ApiServerError("busy", status=503)
        return "done"

    if failures < calls:
        assert await policy.call(call) == "done"
    else:
        with pytest.raises(ApiServerError, match="busy"):
            await policy.call(call)
    assert len(tries) == calls
    assert clock.sleeps == pytest.approx(sleeps)
    assert len(drawn) == randoms
