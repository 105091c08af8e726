"""Shared fixtures for the client tests: fake clock, fake API, clients wired to them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from controller.marketplace.client import MarketplaceClient
from controller.marketplace.retry import set_testing
from controller.marketplace.settings import ApiSettings, Secret
from tests.marketplace.fakeapi import (
    PASSWORD,
    SUBSCRIPTION_KEY,
    USERNAME,
    FakeApi,
    FakeClock,
    subscription,
)

BASE_URL = "https://api.marketplace.test/v1"


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """Back-off off by default; tests about waits switch it on with ``backoff``."""
    set_testing(True)
    yield
    set_testing(False)


@pytest.fixture
def backoff() -> None:
    set_testing(False)


def make_settings(**overrides: Any) -> ApiSettings:
    values: dict[str, Any] = {
        "base_url": BASE_URL,
        "username": USERNAME,
        "password": Secret(PASSWORD),
        "subscription_key": Secret(SUBSCRIPTION_KEY),
        "max_rate": 1000.0,
    }
    values.update(overrides)
    return ApiSettings(**values)


def sandbox_settings(**overrides: Any) -> ApiSettings:
    """Settings with the sandbox's default credentials, for a client on its in-process
    (embedded) transport; the URL is never dialled."""
    sandbox: dict[str, Any] = {
        "base_url": "http://sandbox.invalid",
        "username": "sandbox",
        "password": Secret("sandbox"),
        "subscription_key": Secret("sandbox-key"),
    }
    return make_settings(**(sandbox | overrides))


def make_client(http: httpx.AsyncClient, clock: FakeClock, **overrides: Any) -> MarketplaceClient:
    return MarketplaceClient(http, make_settings(**overrides), sleep=clock.sleep, clock=clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(clock: FakeClock) -> FakeApi:
    return FakeApi(clock)


@pytest.fixture
async def http(api: FakeApi) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=api.transport()) as client:
        yield client


@pytest.fixture
def client(http: httpx.AsyncClient, clock: FakeClock) -> MarketplaceClient:
    return make_client(http, clock)


@pytest.fixture
def three_subscriptions(api: FakeApi) -> None:
    """Two subscriptions of customer 1000275 and one of another customer (1000310): the
    placement and order-trust tests place orders against these."""
    api.add_subscriptions(
        subscription("1000177"),
        subscription("1000178"),
        subscription("1000202", customer="1000310"),
    )
