"""Injected faults: each kind, committed-then-lost writes, selection by route, determinism."""

from __future__ import annotations

import anyio
import httpx
import pytest

from controller.sandbox.clock import FakeClock
from controller.sandbox.config import SandboxConfig
from controller.sandbox.faults import FaultPlan
from tests.sandbox.support import Api, assert_error, cancellation, renewal, sandbox_api

pytestmark = pytest.mark.anyio


async def logged_in(api: Api) -> None:
    """Log in past any fault on /token (tests that fault everything match other paths)."""
    for _ in range(50):
        if (await api.login()).status_code == 200:
            return
    raise AssertionError("could not log in")


@pytest.mark.parametrize("kind", ["500", "503"])
async def test_server_errors_do_nothing(clock: FakeClock, kind: str) -> None:
    async with sandbox_api(
        clock, fault_rate=1.0, fault_kinds=(kind,), fault_match=("POST /orders",)
    ) as api:
        response = await api.post("/orders", renewal("1000177", "1000275"))
        assert_error(response, int(kind), "/orders")
        assert (await api.get("/orders")).json()["pagination"]["total"] == 1  # the seeded one


async def test_429_says_when_to_retry(clock: FakeClock) -> None:
    async with sandbox_api(
        clock, fault_rate=1.0, fault_kinds=("429",), fault_match=("GET /subscriptions",)
    ) as api:
        response = await api.get("/subscriptions")
        assert_error(response, 429, "/subscriptions")
        assert response.headers["retry-after"] == "1"


async def test_dropped_connection_in_process(clock: FakeClock) -> None:
    async with sandbox_api(
        clock, fault_rate=1.0, fault_kinds=("drop",), fault_match=("POST /orders",)
    ) as api:
        with pytest.raises(httpx.RemoteProtocolError):
            await api.post("/orders", cancellation("1000177", "1000275"))
        orders = (await api.get("/orders", subscriptionId="1000177")).json()
        assert orders["data"] == []  # a plain drop happens before the write


async def test_every_order_create_committed_then_502(clock: FakeClock) -> None:
    async with sandbox_api(
        clock, fault_rate=1.0, fault_kinds=("commit-502",), fault_match=("POST /orders",)
    ) as api:
        response = await api.post("/orders", cancellation("1000177", "1000275"))
        assert_error(response, 502, "/orders")
        orders = (await api.get("/orders", subscriptionId="1000177")).json()["data"]
        assert [o["statusCode"] for o in orders] == ["PA"]  # the write happened
        again = await api.post("/orders", cancellation("1000177", "1000275"))
        assert again.status_code == 502  # refused inside (open order), answer lost all the same
        orders = (await api.get("/orders", subscriptionId="1000177")).json()["data"]
        assert len(orders) == 1


async def test_commit_drop_commits_then_loses_the_connection(clock: FakeClock) -> None:
    async with sandbox_api(
        clock,
        fault_rate=1.0,
        fault_kinds=("commit-drop",),
        fault_match=("PATCH /subscriptions/*",),
    ) as api:
        with pytest.raises(httpx.RemoteProtocolError):
            await api.patch("/subscriptions/1000179", {"renewalStatus": True})
        assert (await api.get("/subscriptions/1000179")).json()["renewalStatus"] is True


async def test_commit_kinds_never_hit_reads(clock: FakeClock) -> None:
    async with sandbox_api(clock, login=False, fault_rate=1.0, fault_kinds=("commit-502",)) as api:
        await logged_in(api)  # /token is not a write: never faulted by a commit kind
        assert (await api.get("/subscriptions")).status_code == 200
        assert (
            await api.post("/orders/estimate", renewal("1000177", "1000275"))
        ).status_code == 200
        assert (await api.post("/orders", renewal("1000177", "1000275"))).status_code == 502


async def test_token_may_fault_too(clock: FakeClock) -> None:
    async with sandbox_api(clock, login=False, fault_rate=1.0, fault_kinds=("503",)) as api:
        assert_error(await api.login(), 503, "/token")


def test_fault_schedule_is_deterministic_for_a_seed() -> None:
    config = SandboxConfig(fault_rate=0.3, fault_seed=7)

    def schedule() -> list[str | None]:
        plan = FaultPlan(config)
        return [plan.draw("POST", "/orders") for _ in range(200)]

    first = schedule()
    assert first == schedule()
    hits = [k for k in first if k]
    assert 30 < len(hits) < 90
    assert set(hits) == {"500", "503", "429", "drop", "commit-502"}
    other = FaultPlan(SandboxConfig(fault_rate=0.3, fault_seed=8))
    assert first != [other.draw("POST", "/orders") for _ in range(200)]


def test_zero_rate_never_faults() -> None:
    plan = FaultPlan(SandboxConfig(fault_rate=0.0))
    assert all(plan.draw("POST", "/orders") is None for _ in range(100))


def test_bad_fault_config_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        SandboxConfig(fault_kinds=("418",))
    with pytest.raises(ValueError, match="between 0 and 1"):
        SandboxConfig(fault_rate=1.5)


async def test_latency_is_an_async_sleep(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(anyio, "sleep", fake_sleep)
    async with sandbox_api(clock, latency_ms=250) as api:
        await api.get("/subscriptions")
    assert slept == [0.25, 0.25]  # the login and the list
