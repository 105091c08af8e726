"""``-v`` logs each retry wait: why, and how long (issue 14)."""

from __future__ import annotations

import logging

import pytest

from controller.errors import ApiServerError
from controller.marketplace.retry import RetryPolicy


@pytest.mark.anyio
async def test_each_retry_wait_is_logged_with_reason_and_duration(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ApiServerError("busy", method="GET", path="/subscriptions", status=503)
        return "ok"

    policy = RetryPolicy(sleep=sleep, random=lambda: 0.0, jitter=0.0)
    with caplog.at_level(logging.INFO, logger="subctl.api"):
        assert await policy.call(flaky) == "ok"
    lines = [r.getMessage() for r in caplog.records if r.name == "subctl.api"]
    assert lines == [
        "retry 2 in 0.5s after: GET /subscriptions -> 503: busy",
        "retry 3 in 1.0s after: GET /subscriptions -> 503: busy",
    ]
    assert waits == [0.5, 1.0]
