"""The embedded transports: first use creates and seeds the database; the sync variant."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from controller.sandbox.clock import FakeClock
from controller.sandbox.embedded import BASE_URL, embedded_sync_transport, embedded_transport
from tests.sandbox.support import auth_headers, renewal, token_response


def headers_for(client: httpx.Client) -> dict[str, str]:
    return auth_headers(token_response(client).json()["token"])


def test_sync_transport_serves_the_demo_set(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / ".subctl" / "sandbox.db"
    transport = embedded_sync_transport(db, clock=clock)
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        headers = headers_for(client)
        response = client.get("/subscriptions", headers=headers)
        assert response.status_code == 200
        assert response.headers["x-correlation-id"]
        assert response.json()["pagination"]["total"] == 9
        created = client.post("/orders", headers=headers, json=renewal("1000177", "1000275"))
        assert created.status_code == 201
    assert db.exists()  # the parent folder was created on first use


def test_sync_transport_drops_like_a_socket(tmp_path: Path, clock: FakeClock) -> None:
    transport = embedded_sync_transport(
        ":memory:", clock=clock, fault_rate=1.0, fault_kinds=("drop",), fault_match=("GET *",)
    )
    with httpx.Client(transport=transport, base_url=BASE_URL) as client:
        headers = headers_for(client)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/subscriptions", headers=headers)


@pytest.mark.anyio
async def test_another_seed_file_on_first_use(tmp_path: Path, clock: FakeClock) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text('{"subscriptions": [{"id": "42", "customerId": "7", "status": "pending"}]}')
    transport = embedded_transport(tmp_path / "x.db", seed=seed, clock=clock)
    assert transport.store.get_subscription("42")["status"] == "pending"
    await transport.aclose()
    again = embedded_transport(tmp_path / "x.db", clock=clock)  # not re-seeded with the demo
    try:
        _, total = again.store.list_subscriptions(customer_id=None, status=None, offset=0, limit=10)
        assert total == 1
    finally:
        await again.aclose()
