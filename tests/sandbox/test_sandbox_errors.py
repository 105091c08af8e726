"""Error bodies and correlation ids on every answer, unknown routes and crashes included."""

from __future__ import annotations

import pytest

from controller.sandbox import settle
from controller.sandbox.store import Store
from tests.sandbox.support import Api, assert_error

pytestmark = pytest.mark.anyio


async def test_every_response_has_a_fresh_correlation_id(api: Api) -> None:
    responses = [
        await api.get("/subscriptions"),
        await api.get("/subscriptions"),
        await api.get("/subscriptions/1"),
        await api.get("/nowhere"),
        await api.login(),
    ]
    ids = [r.headers["x-correlation-id"] for r in responses]
    assert all(ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere", 404),
        ("GET", "/orders/5000001/items", 404),
        ("DELETE", "/orders/5000001", 405),
        ("PUT", "/subscriptions/1000177", 405),
        ("GET", "/token", 405),
        ("GET", "/orders/estimate", 400),  # read as the order with id "estimate"
        ("POST", "/subscriptions", 405),
    ],
)
async def test_unknown_routes_and_methods(api: Api, method: str, path: str, status: int) -> None:
    response = await api.client.request(method, path, headers=api.headers)
    assert_error(response, status, path)


async def test_a_crash_is_a_500_error_body(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: Store, sub_id: str) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(Store, "get_subscription", boom)
    response = await api.get("/subscriptions/1000177")
    assert_error(response, 500, "/subscriptions/1000177")
    assert "fire" not in response.text  # internals stay in the server log
    assert (await api.get("/subscriptions")).status_code == 200  # and the app lives on


async def test_a_failed_write_leaves_nothing_half_done(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_renew(*args: object) -> None:
        raise RuntimeError("crash between the order insert and the date move")

    monkeypatch.setattr(settle, "renew", broken_renew)
    body = {"type": "renewal", "customerId": "1000275", "subscriptionId": "1000177"}
    assert (await api.post("/orders", body)).status_code == 500
    monkeypatch.undo()
    orders = (await api.get("/orders", subscriptionId="1000177")).json()
    assert orders["pagination"]["total"] == 0  # the order insert was rolled back
