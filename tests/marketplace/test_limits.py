"""Concurrency and request-rate limits, on fake time."""

from __future__ import annotations

import anyio
import httpx
import pytest

from controller.marketplace.limits import Limits, RateLimiter
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock, subscription


@pytest.mark.anyio
async def test_token_bucket_spacing() -> None:
    clock = FakeClock(now=0.0)
    limiter = RateLimiter(10.0, burst=5, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(45):
        await limiter.acquire()
        stamps.append(clock.now)
    assert stamps[:5] == [0.0] * 5  # the burst goes at once
    assert stamps[-1] == pytest.approx(4.0)  # the other 40 at 10 per second
    for i in range(len(stamps)):
        window = [t for t in stamps if stamps[i] <= t < stamps[i] + 1.0]
        assert len(window) <= 5 + 10


@pytest.mark.anyio
async def test_idle_time_refills_only_up_to_the_burst() -> None:
    clock = FakeClock(now=0.0)
    limiter = RateLimiter(2.0, burst=2, clock=clock, sleep=clock.sleep)
    for _ in range(2):
        await limiter.acquire()
    clock.now += 3600
    for _ in range(4):
        await limiter.acquire()
    assert clock.now == pytest.approx(3601.0)


@pytest.mark.anyio
async def test_concurrent_acquirers_are_spaced() -> None:
    clock = FakeClock(now=0.0)
    limiter = RateLimiter(4.0, burst=1, clock=clock, sleep=clock.sleep)
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        stamps.append(clock.now)

    async with anyio.create_task_group() as tg:
        for _ in range(9):
            tg.start_soon(one)
    assert sorted(stamps) == pytest.approx([i * 0.25 for i in range(9)])


@pytest.mark.anyio
async def test_client_listing_respects_max_rate(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    api.add_subscriptions(*(subscription(str(7_000_000 + i)) for i in range(300)))
    client = make_client(http, clock, max_rate=5.0, page_size=10)
    started = clock.now
    assert len([s async for s in client.iter_subscriptions()]) == 300
    requests = client.calls.total
    assert requests == 31  # 30 pages and a token
    # 5 go at once (the burst), every other one waits its 1/5 s.
    assert clock.now - started == pytest.approx((requests - 5) / 5.0)


@pytest.mark.anyio
async def test_concurrency_never_exceeds_the_limit(api: FakeApi, clock: FakeClock) -> None:
    api.add_subscriptions(subscription("1000177"))
    slow, in_flight = api.counting_transport()
    async with httpx.AsyncClient(transport=slow) as http:
        client = make_client(http, clock, max_concurrency=3)
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(client.get_subscription, "1000177")
    assert in_flight["peak"] == 3
    assert client.limits.peak_in_flight == 3


def test_limits_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)
    limits = Limits(2, 1.0)
    assert limits.max_concurrency == 2
