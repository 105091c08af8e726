"""Secrets (password, subscription key, tokens) never in reprs, errors or DEBUG logs."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator

import httpx
import pytest

from controller.errors import ApiError, Unauthorized
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import OrderType
from controller.marketplace.settings import Secret
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import (
    PASSWORD,
    SUBSCRIPTION_KEY,
    USERNAME,
    FakeApi,
    FakeClock,
    subscription,
)

NOISY = ("httpx", "httpcore", "anyio", "asyncio", "subctl", "subctl.api")


@pytest.fixture
def debug_everything(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    levels = {name: logging.getLogger(name).level for name in NOISY}
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _secrets(api: FakeApi) -> list[str]:
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    return [PASSWORD, SUBSCRIPTION_KEY, basic, "Xy9secret", *api.tokens]


def _record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


async def _busy_session(api: FakeApi, client: MarketplaceClient) -> list[ApiError]:
    """Every kind of call and failure, so every log line and error text is produced."""
    api.add_subscriptions(subscription("1000177"), subscription("1000178"))
    errors: list[ApiError] = []
    [s async for s in client.iter_subscriptions()]
    api.tokens.clear()  # forces a 401 and a refresh
    await client.get_subscription("1000177")
    api.script("POST /orders", "committed-502")
    placed = await client.place_order(
        OrderType.CANCELLATION,
        customer_id="1000275",
        subscription_id="1000178",
        attributes={"placedBy": "subctl", "cancellationReason": "moved"},
    )
    api.script("PATCH /orders/{id}", "timeout", "drop", "429")
    await client.approve_order(placed.order.id)
    await client.set_auto_renew("1000177", False)
    for call in (client.get_subscription("nope"), client.get_order("404")):
        try:
            await call
        except ApiError as err:
            errors.append(err)
    return errors


@pytest.mark.anyio
async def test_no_secret_in_debug_logs_or_errors(
    api: FakeApi, client: MarketplaceClient, debug_everything: pytest.LogCaptureFixture
) -> None:
    errors = await _busy_session(api, client)
    assert errors
    texts = [_record_text(r) for r in debug_everything.records]
    texts += [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(client), repr(client.settings), str(client.settings), repr(client.auth)]
    secrets = _secrets(api)
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"secret leaked in: {text[:200]}"
    ours = [r.getMessage() for r in debug_everything.records if r.name == "subctl.api"]
    assert any(
        m.startswith("GET /subscriptions?offset=0&limit=100 -> 200 in ")
        and "[correlation id cid-" in m
        for m in ours
    ), ours
    assert any("POST /orders -> 502" in m for m in ours)
    assert any("PATCH /orders/" in m and "no answer (ReadTimeout)" in m for m in ours)


@pytest.mark.anyio
async def test_no_secret_when_credentials_are_refused(
    http: httpx.AsyncClient,
    api: FakeApi,
    clock: FakeClock,
    debug_everything: pytest.LogCaptureFixture,
) -> None:
    wrong = "WrongPass-Qq19"
    client = make_client(http, clock, password=Secret(wrong))
    with pytest.raises(Unauthorized) as info:
        await client.get_subscription("1000177")
    texts = [_record_text(r) for r in debug_everything.records]
    texts += [str(info.value), repr(info.value), repr(client), repr(client.settings)]
    for text in texts:
        for secret in (wrong, SUBSCRIPTION_KEY):
            assert secret not in text


@pytest.mark.anyio
async def test_no_secret_in_logs_against_sandbox(
    debug_everything: pytest.LogCaptureFixture,
) -> None:
    from controller.sandbox.clock import FakeClock as SandboxClock
    from controller.sandbox.embedded import embedded_transport

    transport = embedded_transport(
        ":memory:",
        seed=None,
        clock=SandboxClock(),
        fault_rate=0.3,
        fault_seed=3,
        password="SandPass-77",
        subscription_key="SandKey-88",
    )
    async with httpx.AsyncClient(transport=transport) as http:
        client = make_client(
            http,
            FakeClock(),
            base_url="http://sandbox.invalid",
            username="sandbox",
            password=Secret("SandPass-77"),
            subscription_key=Secret("SandKey-88"),
        )
        for _ in range(5):
            try:
                [s async for s in client.iter_subscriptions()]
                await client.approve_order("5000001")
            except ApiError:
                pass
        tokens = [client.auth._token.reveal()] if client.auth._token else []
    basic = base64.b64encode(b"sandbox:SandPass-77").decode()
    for record in debug_everything.records:
        text = _record_text(record)
        for secret in ("SandPass-77", "SandKey-88", basic, *tokens):
            assert secret not in text, f"{record.name}: {text[:200]}"
