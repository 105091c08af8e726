"""2xx answers we cannot understand are ApiProtocolError, never retried, never huge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from controller.errors import ApiProtocolError
from controller.marketplace.client import MarketplaceClient
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeClock, subscription

Handler = Callable[[httpx.Request], httpx.Response]


@asynccontextmanager
async def answering(
    answer: Callable[[httpx.Request], httpx.Response], **settings: Any
) -> AsyncIterator[MarketplaceClient]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "tok-abc", "expiresInSeconds": 600})
        return answer(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        yield make_client(http, FakeClock(), **settings)


def _json(body: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, json=body, headers={"X-Correlation-ID": "c-9"})


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**subscription("1"), "status": "frozen"}, "status"),
        ({**subscription("1"), "renewalStatus": "maybe"}, "renewalStatus"),
        ({"customerId": "1000275"}, "id"),  # the spec leaves customerId optional, not id
        ({**subscription("1"), "expirationDate": 0}, "expirationDate"),
        ({**subscription("1"), "renewalStatus": "no"}, "renewalStatus"),
        ({**subscription("1"), "expirationDate": "31/01/2027"}, "expirationDate"),
        ({**subscription("1"), "totalPrice": {"amount": "lots", "currency": "GBP"}}, "amount"),
        ([1, 2, 3], "Subscription"),
    ],
)
async def test_bodies_that_do_not_fit_the_model(body: Any, expected: str) -> None:
    async with answering(_json(body)) as client:
        with pytest.raises(ApiProtocolError, match=expected) as info:
            await client.get_subscription("1")
        assert info.value.status == 200
        assert info.value.correlation_id == "c-9"
        assert len(str(info.value)) < 400
        assert client.calls["GET /subscriptions/{id}"] == 1  # never retried


@pytest.mark.anyio
async def test_unknown_order_status_in_a_list() -> None:
    order = {"id": "9", "type": "renewal", "customerId": "1", "status": "exploded"}
    page = {"data": [order], "pagination": {"offset": 0, "limit": 100, "total": 1}}
    async with answering(_json(page)) as client:
        with pytest.raises(ApiProtocolError, match="status"):
            [o async for o in client.iter_orders()]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content", [b"<html><body>Gateway</body></html>", b"\xff\xfe\x00garbage", b'{"id": ']
)
async def test_non_json_success_body(content: bytes) -> None:
    async with answering(lambda r: httpx.Response(200, content=content)) as client:
        with pytest.raises(ApiProtocolError, match="not JSON"):
            await client.get_order("1")


@pytest.mark.anyio
async def test_deeply_nested_json_is_refused_not_crashed() -> None:
    content = b"[" * 100_000 + b"]" * 100_000
    async with answering(lambda r: httpx.Response(200, content=content)) as client:
        with pytest.raises(ApiProtocolError):
            await client.get_order("1")


@pytest.mark.anyio
async def test_huge_body_with_content_length_refused() -> None:
    content = b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    async with answering(
        lambda r: httpx.Response(200, content=content), max_body_bytes=1024 * 1024
    ) as client:
        with pytest.raises(ApiProtocolError, match="larger than 1048576 bytes"):
            await client.get_order("1")


@pytest.mark.anyio
async def test_huge_streamed_body_refused_without_reading_it_all() -> None:
    sent = {"chunks": 0}

    async def endless() -> AsyncIterator[bytes]:
        while True:
            sent["chunks"] += 1
            yield b"x" * 65536

    async with answering(
        lambda r: httpx.Response(200, content=endless()), max_body_bytes=1024 * 1024
    ) as client:
        with pytest.raises(ApiProtocolError, match="larger than"):
            await client.get_order("1")
    assert sent["chunks"] <= 1024 * 1024 // 65536 + 1


@pytest.mark.anyio
async def test_default_limit_is_ten_mib() -> None:
    content = b"x" * (10 * 1024 * 1024 + 1)
    async with answering(lambda r: httpx.Response(200, content=content)) as client:
        with pytest.raises(ApiProtocolError, match="larger than 10485760"):
            await client.get_order("1")


@pytest.mark.anyio
async def test_huge_error_body_still_maps_to_its_status() -> None:
    content = b"E" * (5 * 1024 * 1024)
    async with answering(lambda r: httpx.Response(400, content=content)) as client:
        with pytest.raises(Exception, match="EEE") as info:
            await client.get_order("1")
        assert getattr(info.value, "status", None) == 400
        assert len(str(info.value)) < 400


@pytest.mark.anyio
async def test_malformed_token_answer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": "x"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http, FakeClock())
        with pytest.raises(ApiProtocolError, match="TokenInfo"):
            await client.get_order("1")


@pytest.mark.anyio
async def test_estimate_without_total() -> None:
    order = {"id": "0", "type": "renewal", "customerId": "1", "status": "submitted"}
    async with answering(_json(order)) as client:
        with pytest.raises(ApiProtocolError, match="no total"):
            await client.estimate_renewal("1", "2")


@pytest.mark.anyio
async def test_ids_cannot_escape_their_path_segment() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, json=subscription("1"))

    async with answering(answer) as client:
        await client.get_subscription("../orders?x=1")
        with pytest.raises(ValueError, match="empty"):
            await client.get_subscription(" ")
    assert seen == ["/v1/subscriptions/..%2Forders%3Fx%3D1"]


@pytest.mark.anyio
async def test_broken_content_encoding() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"not gzip", headers={"Content-Encoding": "gzip"})

    async with answering(answer) as client:
        with pytest.raises(ApiProtocolError, match="decoded"):
            await client.get_order("1")
        assert client.calls["GET /orders/{id}"] == 1


@pytest.mark.anyio
async def test_null_item_in_a_list() -> None:
    page = {"data": [None], "pagination": {"offset": 0, "limit": 100, "total": 1}}
    async with answering(_json(page)) as client:
        with pytest.raises(ApiProtocolError, match="Subscription"):
            [s async for s in client.iter_subscriptions()]
