"""Every HTTP outcome maps to exactly one error class of controller/errors.py."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from controller.errors import (
    ApiClientError,
    ApiError,
    ApiProtocolError,
    ApiServerError,
    ApiUnavailable,
    Conflict,
    NotFound,
    Unauthorized,
)
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.errors_map import (
    error_from_response,
    error_from_transport,
    parse_retry_after,
)
from tests.marketplace.fakeapi import FakeApi, subscription


def _error(status: int, message: str | bytes, headers: dict[str, str] | None = None) -> ApiError:
    if isinstance(message, bytes):
        body = message
    else:
        body = json.dumps(
            {
                "timeStamp": "t",
                "status": status,
                "message": message,
                "path": "/x",
                "correlationId": "body-cid",
            }
        ).encode()
    return error_from_response(
        method="GET",
        path="/orders/1",
        status=status,
        headers=httpx.Headers({"X-Correlation-ID": "hdr-cid", **(headers or {})}),
        body=body,
    )


@pytest.mark.parametrize(
    ("status", "message", "cls"),
    [
        (404, "Not here", NotFound),
        (400, "No entity has been found", NotFound),
        (400, "An open order of the same type already exists", Conflict),
        (400, "Order already exists for subscription 1000202", Conflict),
        (409, "Conflict", Conflict),
        (401, "Access denied", Unauthorized),
        (403, "Forbidden", Unauthorized),
        (400, "Invalid value for field type", ApiClientError),
        (418, "teapot", ApiClientError),
        (500, "boom", ApiServerError),
        (502, "bad gateway", ApiServerError),
        (503, "unavailable", ApiServerError),
        (429, "slow down", ApiServerError),
        (302, "moved", ApiProtocolError),
    ],
)
def test_status_maps_to_class(status: int, message: str, cls: type[ApiError]) -> None:
    err = _error(status, message)
    assert type(err) is cls
    assert (err.method, err.path, err.status) == ("GET", "/orders/1", status)
    assert err.correlation_id == "hdr-cid"
    assert err.message.endswith(message)
    assert err.retryable is (cls is ApiServerError)


def test_retry_after_seconds_and_http_date() -> None:
    assert _error(429, "x", {"Retry-After": "7"}).retry_after == 7.0
    assert _error(503, "x", {"Retry-After": "junk"}).retry_after is None
    assert _error(503, "x").retry_after is None
    now = dt.datetime(2026, 11, 25, 9, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Wed, 25 Nov 2026 09:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 25 Nov 2026 08:00:00 GMT", now) == 0.0
    assert parse_retry_after("-5") == 0.0
    assert parse_retry_after("nan") is None


def test_non_json_and_empty_bodies() -> None:
    assert _error(502, b"<html>Bad Gateway</html>").message == "<html>Bad Gateway</html>"
    assert _error(500, b"").message == "HTTP 500 with an empty body"
    assert _error(500, b"\xff\xfe garbage").status == 500


def test_correlation_id_from_body_when_header_missing() -> None:
    body = json.dumps({"message": "boom", "correlationId": "body-cid"}).encode()
    err = error_from_response(
        method="GET", path="/x", status=500, headers=httpx.Headers(), body=body
    )
    assert err.correlation_id == "body-cid"


def test_long_message_cut_short() -> None:
    err = _error(500, "x" * 50_000)
    assert len(err.message) <= 300
    assert len(str(err)) < 400


def test_transport_errors_are_unavailable() -> None:
    request = httpx.Request("GET", "https://h/x")
    timeout = error_from_transport(httpx.ReadTimeout("t", request=request), method="GET", path="/x")
    assert isinstance(timeout, ApiUnavailable)
    assert "timed out" in timeout.message
    assert timeout.retryable
    dropped = error_from_transport(
        httpx.RemoteProtocolError("Server disconnected", request=request), method="GET", path="/x"
    )
    assert isinstance(dropped, ApiUnavailable)
    assert "RemoteProtocolError" in dropped.message


@pytest.mark.anyio
async def test_client_raises_not_found_for_400_no_entity(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.add_subscriptions(subscription("1000177"))
    with pytest.raises(NotFound) as info:
        await client.get_subscription("999")
    assert info.value.status == 400
    assert info.value.path == "/subscriptions/999"
    assert info.value.correlation_id is not None
    assert client.calls["GET /subscriptions/{id}"] == 1  # a 4xx is never retried


@pytest.mark.anyio
@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.ReadError("reset")],
)
async def test_client_maps_transport_failures(exc: Exception) -> None:
    from tests.marketplace.conftest import make_client
    from tests.marketplace.fakeapi import FakeClock

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = make_client(http, FakeClock(), retry_attempts=2)
        with pytest.raises(ApiUnavailable):
            await client.get_order("1")
        assert client.calls["POST /token"] == 2
