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

# The published SimpleAPI 1.15 fields these tests check answers against, written here
# by hand: neither the client's models nor the sandbox's own are used to describe what
# the sandbox returns (issue 12), so a wrong idea in one cannot pass its own test.
SUBSCRIPTION_ITEM = {
    "id": str, "name": str, "customerId": str, "status": str, "renewalStatus": bool,
    "creationDate": str, "renewalDate": str, "expirationDate": str, "lastModifiedDate": str,
    "subscriptionPeriod": dict, "billingPeriod": dict, "billingModel": str, "attributes": dict,
}  # fmt: skip
SUBSCRIPTION_DETAILED = {
    **SUBSCRIPTION_ITEM, "planId": int, "products": list, "orderParameters": list,
    "fulfillmentParameters": list, "totalPrice": dict, "totalSubscriptionPrice": dict,
    "totalSubscriptionCost": dict, "totalSubscriptionProviderCost": dict,
}  # fmt: skip
ORDER_ITEM = {
    "id": str, "orderNumber": str, "type": str, "customerId": str, "poNumber": str,
    "creationDate": str, "provisioningDate": str, "status": str, "statusCode": str,
    "total": dict, "details": list, "attributes": dict, "creditCheck": bool,
    "lastBillingDate": str, "nextBillingDate": str, "subscriptionPeriod": dict,
}  # fmt: skip
ORDER_DETAILED = {
    **ORDER_ITEM, "products": list, "subscriptionId": str, "targetSubscriptionId": str,
    "billingModel": str, "subscriptions": list, "alignExpirationDate": dict,
    "placementType": str, "vendorBillingSettings": dict,
}  # fmt: skip
SUBSCRIPTION_STATUSES = {"pending", "active", "hold", "terminated", "removed", "unknown"}
ORDER_STATUSES = {"submitted", "processing", "error", "completed", "cancelled"}
ORDER_TYPES = {"sales", "change", "renewal", "cancellation", "migration", "unknown"}


def _check(body: dict[str, Any], fields: dict[str, type]) -> None:
    unpublished = set(body) - set(fields)
    assert not unpublished, f"unpublished fields {sorted(unpublished)} in {body}"
    for key, value in body.items():
        assert isinstance(value, fields[key]), f"{key}={value!r} is not {fields[key].__name__}"
        if fields[key] is int:
            assert not isinstance(value, bool), key


def check_subscription(body: dict[str, Any], *, list_item: bool = False) -> None:
    """``body`` has only published fields of the published JSON types."""
    _check(body, SUBSCRIPTION_ITEM if list_item else SUBSCRIPTION_DETAILED)
    assert body.get("status", "active") in SUBSCRIPTION_STATUSES


def check_order(body: dict[str, Any], *, list_item: bool = False) -> None:
    _check(body, ORDER_ITEM if list_item else ORDER_DETAILED)
    assert {"customerId", "type"} <= set(body), "customerId and type are required"
    assert body["type"] in ORDER_TYPES
    assert body.get("status", "submitted") in ORDER_STATUSES


def token_response(client: httpx.Client) -> httpx.Response:
    """POST /token with the default credentials, for the sync clients (``Api.login`` is the
    async one)."""
    return client.post(
        "/token",
        auth=("sandbox", "sandbox"),
        headers={"X-Subscription-Key": KEY},
        json={"marketplace": "uk"},
    )


def auth_headers(token: str) -> dict[str, str]:
    return {"X-Subscription-Key": KEY, "Authorization": f"Bearer {token}"}


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
