"""Retry policy for idempotent calls: exponential back-off with jitter.

Sits between the client's public methods and the exchange layer. Only calls that are
safe to repeat go through ``RetryPolicy.call``: GETs, PATCHes that set absolute values,
``POST /orders/estimate`` and ``POST /token``. ``POST /orders`` never does; its
unknown outcomes are resolved by re-reading (``ordering.py``).

Rules:
- only errors with ``retryable = True`` (ApiServerError: 5xx/429, ApiUnavailable) retry;
- the wait before attempt n+1 is ``initial * 2**(n-1)`` capped at ``max_wait``, with
  jitter, and never shorter than the server's ``Retry-After``;
- the budget is time: no retry whose wait would end after ``total_seconds`` from the
  first attempt (``SUBCTL_RETRY_BUDGET``, default 180 s); then the last error is
  raised, naming the wait the server asked for when that is why;
- 5xx and no-answer failures also stop after ``attempts`` attempts; 429 (the server
  asking us to slow down) does not count against them: repeated 429s keep being
  obeyed, each wait at least its ``Retry-After`` (honoured up to ``MAX_RETRY_AFTER``,
  120 s; a longer one gives up at once with a clear error);
- ``set_testing(True)`` switches every wait to zero (like ``stamina.set_testing``);
  ``sleep``, ``clock`` and ``random`` are injectable for tests that check the waits.

A plain loop: it was tenacity's ``AsyncRetrying``, whose set-up cost ~40 us per call,
paid by every request although almost none is retried. The loop keeps its order of
decisions: after a failed attempt the wait is worked out first, then the stop rules
are asked (so a given ``random`` sees the same calls), then it sleeps.
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import anyio

from controller.errors import ApiError
from controller.marketplace.limits import Clock, Sleep
from controller.marketplace.settings import ApiSettings

log = logging.getLogger("subctl.api")

T = TypeVar("T")

_testing = False

MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After is not waited for


def set_testing(on: bool = True) -> None:
    """Turn all back-off waits off (tests), or back on."""
    global _testing  # noqa: PLW0603 - a process-wide test switch, like stamina's
    _testing = on


def is_testing() -> bool:
    return _testing


def is_retryable(error: BaseException) -> bool:
    return isinstance(error, ApiError) and error.retryable


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    total_seconds: float = 60.0
    initial_wait: float = 0.5
    max_wait: float = 10.0
    jitter: float = 0.5  # fraction of the back-off that is randomised
    sleep: Sleep = anyio.sleep
    clock: Clock = time.monotonic
    random: Callable[[], float] = field(default=_random.random)

    @classmethod
    def from_settings(
        cls,
        settings: ApiSettings,
        *,
        sleep: Sleep = anyio.sleep,
        clock: Clock = time.monotonic,
    ) -> RetryPolicy:
        return cls(
            attempts=settings.retry_attempts,
            total_seconds=settings.retry_total_seconds,
            initial_wait=settings.retry_initial_wait,
            max_wait=settings.retry_max_wait,
            sleep=sleep,
            clock=clock,
        )

    def backoff(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if _testing:
            return 0.0
        base = min(self.max_wait, self.initial_wait * 2.0 ** (attempt - 1))
        # Jitter spreads out clients that failed together, so they do not retry in step.
        wait = base * (1.0 - self.jitter) + base * self.jitter * self.random()
        if isinstance(error, ApiError) and error.retry_after is not None:
            wait = max(wait, error.retry_after)
        return wait

    def within_budget(self, started: float, wait: float) -> bool:
        return self.clock() - started + wait <= self.total_seconds

    def gives_up(self, started: float, attempt: int, error: ApiError, wait: float) -> bool:
        """Whether to stop after failed attempt ``attempt`` rather than wait ``wait``."""
        if error.retry_after is not None and error.retry_after > MAX_RETRY_AFTER:
            return True
        throttled = error.status == 429
        if not throttled and attempt >= self.attempts:
            return True
        return not self.within_budget(started, wait)

    def remaining(self, started: float) -> float:
        return max(0.0, self.total_seconds - (self.clock() - started))

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` until it succeeds, fails for good, or the attempts/time run out."""
        started = self.clock()
        attempt = 1
        while True:
            try:
                return await fn()
            except ApiError as error:
                if not error.retryable:
                    raise
                wait = self.backoff(attempt, error)
                if self.gives_up(started, attempt, error, wait):
                    if error.retry_after is not None and error.retry_after >= wait:
                        raise _asked_too_long(error, self.remaining(started)) from None
                    raise
                # -v: every wait, why and how long (the error text is ours, cut short).
                log.info("retry %d in %.1fs after: %s", attempt + 1, wait, error)
            await self.sleep(wait)
            attempt += 1


def _asked_too_long(error: ApiError, remaining: float) -> ApiError:
    """The error when the server's ``Retry-After`` is beyond what we wait."""
    assert error.retry_after is not None
    limit = min(remaining, MAX_RETRY_AFTER)
    return type(error)(
        f"{error.message} (the server asked to wait {error.retry_after:.0f} s before "
        f"retrying, beyond the {limit:.0f} s subctl may still wait; set "
        "SUBCTL_RETRY_BUDGET for a longer budget)",
        method=error.method,
        path=error.path,
        status=error.status,
        correlation_id=error.correlation_id,
        retry_after=error.retry_after,
    )
