"""Client-wide politeness: at most N requests in flight and at most R requests per second.

Applied by the exchange layer (``exchange.py``) around every single HTTP request,
retries and token fetches included, so that however many subscriptions apply runs
concurrently, the marketplace sees a bounded, smooth load. The clock and sleep are
injected so tests run on fake time.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """Token bucket: ``rate`` tokens per second, holding at most ``burst`` tokens."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()
        # Waiters queue on the lock, so tokens go out in arrival order and a burst of
        # waiters does not all wake at once and overshoot. fast_acquire: a free lock is
        # taken without yielding to the event loop (the request that follows yields).
        self._lock = anyio.Lock(fast_acquire=True)

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)

    async def acquire(self) -> None:
        async with self._lock:
            self._refill()
            self._tokens -= 1.0
            if self._tokens < 0.0:
                # Sleep off the debt once; the next refill counts the time slept. (A
                # loop re-checking "tokens >= 1" can spin forever on float rounding.)
                await self._sleep(-self._tokens / self.rate)


class Limits:
    """Concurrency semaphore plus rate limiter; ``async with limits.slot():`` per request."""

    def __init__(
        self,
        max_concurrency: int,
        max_rate: float,
        *,
        burst: float | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        self.max_concurrency = max_concurrency
        self._semaphore = anyio.Semaphore(max_concurrency, fast_acquire=True)
        self.rate = RateLimiter(max_rate, burst=burst, clock=clock, sleep=sleep)
        self.in_flight = 0
        self.peak_in_flight = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._semaphore:
            await self.rate.acquire()
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            try:
                yield
            finally:
                self.in_flight -= 1
