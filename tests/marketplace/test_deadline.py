"""A whole exchange has a deadline: a server that drips its body cannot hold a call.

Regression: httpx's read timeout restarts with every byte, so an answer dripping a
byte every half second kept ``subctl`` waiting for as long as the server liked.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest

from controller.errors import ApiUnavailable
from controller.marketplace.client import MarketplaceClient
from tests.marketplace.conftest import make_settings


class _Drip(httpx.AsyncByteStream):
    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"data": ['
        for _ in range(100):  # bounded: 10 s at most, even if the deadline is broken
            await anyio.sleep(0.1)
            yield b" "


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/token"):
        return httpx.Response(200, json={"token": "t" * 40, "expiresInSeconds": 3600})
    return httpx.Response(200, stream=_Drip(), headers={"Content-Type": "application/json"})


@pytest.mark.anyio
async def test_slow_drip_ends_in_api_unavailable_within_the_deadline() -> None:
    settings = make_settings(request_timeout=0.5, retry_attempts=2)
    async with httpx.AsyncClient(transport=httpx.MockTransport(_handler)) as http:
        client = MarketplaceClient(http, settings)
        started = time.monotonic()
        with pytest.raises(ApiUnavailable, match=r"no complete answer within 0.5s"):
            await client.get_subscription("1")
    assert time.monotonic() - started < 3  # two attempts of 0.5 s, no back-off in tests
