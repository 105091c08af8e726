"""POST /token and the bearer/subscription-key check on every other call."""

from __future__ import annotations

import base64

import pytest

from controller.sandbox.clock import FakeClock
from tests.sandbox.support import KEY, Api, assert_error, sandbox_api

pytestmark = pytest.mark.anyio


async def test_token_is_issued_and_marketplace_recorded(clock: FakeClock) -> None:
    async with sandbox_api(clock, login=False, token_ttl=900) as api:
        response = await api.login("uk")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"token", "expiresInSeconds"}
        assert body["expiresInSeconds"] == 900
        await api.login("us")
        assert api.store.marketplaces() == ["uk", "us"]


@pytest.mark.parametrize(
    ("auth", "key"),
    [
        (("sandbox", "wrong"), KEY),
        (("other", "sandbox"), KEY),
        (("sandbox", "sandbox"), "wrong-key"),
        (None, KEY),
        (("sandbox", "sandbox"), None),
    ],
)
async def test_token_refused_with_bad_credentials(
    clock: FakeClock, auth: tuple[str, str] | None, key: str | None
) -> None:
    async with sandbox_api(clock, login=False) as api:
        headers = {"X-Subscription-Key": key} if key else {}
        if auth is not None:
            user, password = auth
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        response = await api.client.post("/token", headers=headers, json={"marketplace": "uk"})
        assert_error(response, 401, "/token")
        assert "sandbox" not in response.text.replace("/token", "")  # no credential echoed


async def test_token_with_garbage_basic_header(clock: FakeClock) -> None:
    async with sandbox_api(clock, login=False) as api:
        response = await api.client.post(
            "/token",
            headers={"X-Subscription-Key": KEY, "Authorization": "Basic !!!not-base64"},
            json={"marketplace": "uk"},
        )
        assert_error(response, 401, "/token")


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"marketplace": 44}'])
async def test_token_body_must_be_valid_when_given(clock: FakeClock, body: bytes) -> None:
    async with sandbox_api(clock, login=False) as api:
        response = await api.client.post(
            "/token",
            auth=("sandbox", "sandbox"),
            headers={"X-Subscription-Key": KEY, "Content-Type": "application/json"},
            content=body,
        )
        assert_error(response, 400, "/token")


@pytest.mark.parametrize("body", [b"", b"{}"])
async def test_token_body_is_optional_and_recorded_empty(clock: FakeClock, body: bytes) -> None:
    # The published TokenRequest is optional: no body, or no marketplace, is a token
    # recorded with marketplace "" (the client's choice is visible to tests).
    async with sandbox_api(clock, login=False) as api:
        response = await api.client.post(
            "/token",
            auth=("sandbox", "sandbox"),
            headers={"X-Subscription-Key": KEY},
            content=body,
        )
        assert response.status_code == 200, response.text
        assert set(response.json()) == {"token", "expiresInSeconds"}
        assert api.store.marketplaces() == [""]


async def test_custom_credentials(clock: FakeClock) -> None:
    async with sandbox_api(
        clock, login=False, username="u", password="p", subscription_key="k"
    ) as api:
        ok = await api.client.post(
            "/token",
            auth=("u", "p"),
            headers={"X-Subscription-Key": "k"},
            json={"marketplace": "uk"},
        )
        assert ok.status_code == 200
        assert (await api.login()).status_code == 401  # the defaults no longer work


async def test_calls_need_a_bearer_token(clock: FakeClock) -> None:
    async with sandbox_api(clock, login=False) as api:
        assert_error(await api.get("/subscriptions"), 401, "/subscriptions")
        api.headers["Authorization"] = "Bearer made-up"
        assert_error(await api.get("/subscriptions/1000177"), 401, "/subscriptions/1000177")
        api.headers["Authorization"] = "Basic c2FuZGJveDpzYW5kYm94"
        assert_error(await api.get("/orders"), 401, "/orders")


async def test_calls_need_the_subscription_key(api: Api) -> None:
    assert (await api.get("/subscriptions")).status_code == 200
    api.headers["X-Subscription-Key"] = "wrong"
    assert_error(await api.get("/subscriptions"), 401, "/subscriptions")
    del api.headers["X-Subscription-Key"]
    assert_error(await api.post("/orders", {}), 401, "/orders")


async def test_token_expires_by_the_clock(clock: FakeClock) -> None:
    async with sandbox_api(clock, token_ttl=300) as api:
        clock.advance(299)
        assert (await api.get("/orders")).status_code == 200
        clock.advance(1)
        response = await api.get("/orders")
        assert_error(response, 401, "/orders")
        assert "expired" in response.json()["message"]
        assert (await api.login()).status_code == 200
        assert (await api.get("/orders")).status_code == 200


async def test_token_is_not_stored_in_clear(api: Api) -> None:
    token = api.headers["Authorization"].split()[1]
    with api.store.transaction() as (conn, _):
        rows = [tuple(r) for r in conn.execute("SELECT * FROM tokens")]
    assert rows
    assert all(token not in str(value) for row in rows for value in row)


async def test_config_repr_hides_secrets() -> None:
    from controller.sandbox.config import SandboxConfig

    text = repr(SandboxConfig(password="hunter2", subscription_key="k-secret"))
    assert "hunter2" not in text
    assert "k-secret" not in text


async def test_a_bad_token_wins_over_a_bad_body_or_query(api: Api) -> None:
    api.headers["Authorization"] = "Bearer made-up"
    for response in (
        await api.post("/orders", {"type": 1}),
        await api.patch("/subscriptions/1000177", {"renewalStatus": "yes"}),
        await api.patch("/orders/5000001", {}),
        await api.post("/orders/estimate", []),
        await api.get("/orders", limit="-4"),
    ):
        assert response.status_code == 401
