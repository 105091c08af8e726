"""Helpers shared by the sandbox tests: a logged-in client over the embedded transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from controller.sandbox.clock import FakeClock
from controller.sandbox.embedded import BASE_URL, EmbeddedTransport, embedded_transport
from controller.sandbox.store import Store

KEY = "sandbox-key"
ERROR_FIELDS = {"timeStamp", "status", "message", "path", "correlationId"}


class Api:
    """A thin test client: logs in once, then sends the bearer token and key on every call."""

    def __init__(self, client: httpx.AsyncClient, transport: EmbeddedTransport) -> None:
        self.client = client
        self.transport = transport
        self.headers: dict[str, str] = {"X-Subscription-Key": KEY}

    @property
    def store(self) -> Store:
        return self.transport.store

    async def login(self, marketplace: str = "uk") -> httpx.Response:
        response = await self.client.post(
            "/token",
            auth=("sandbox", "sandbox"),
            headers={"X-Subscription-Key": KEY},
            json={"marketplace": marketplace},
        )
        if response.status_code == 200:
            self.headers["Authorization"] = f"Bearer {response.json()['token']}"
        return response

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers, params=params)

    async def post(self, path: str, body: Any) -> httpx.Response:
        return await self.client.post(path, headers=self.headers, json=body)

    async def patch(self, path: str, body: Any) -> httpx.Response:
        return await self.client.patch(path, headers=self.headers, json=body)


@asynccontextmanager
async def sandbox_api(
    clock: FakeClock, *, seed: Path | None = None, login: bool = True, **config: Any
) -> AsyncIterator[Api]:
    config.setdefault("vendor_delay", 60)
    config.setdefault("token_ttl", 10 * 86400)  # long, so tests can move days ahead
    transport = embedded_transport(":memory:", seed=seed, clock=clock, **config)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        api = Api(client, transport)
        if login:
            assert (await api.login()).status_code == 200
        yield api


def assert_error(response: httpx.Response, status: int, path: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_FIELDS
    assert body["status"] == status
    assert body["path"] == path
    assert body["correlationId"] == response.headers["x-correlation-id"]
    assert body["timeStamp"].endswith("Z")


def cancellation(sub_id: str, customer_id: str, reason: str = "Moving on") -> dict[str, Any]:
    return {
        "type": "cancellation",
        "customerId": customer_id,
        "subscriptionId": sub_id,
        "attributes": {"cancellationReason": reason, "placedBy": "subctl"},
    }


def renewal(sub_id: str, customer_id: str) -> dict[str, Any]:
    return {"type": "renewal", "customerId": customer_id, "subscriptionId": sub_id}
