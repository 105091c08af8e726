"""Fixtures for the sandbox marketplace tests: a fake clock and a logged-in client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from controller.sandbox.clock import FakeClock
from tests.sandbox.support import Api, sandbox_api


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api(clock: FakeClock) -> AsyncIterator[Api]:
    async with sandbox_api(clock) as client:
        yield client
