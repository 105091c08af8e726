"""The client against the real sandbox in-process: demo data, paging, tokens, faults.

The sandbox (controller/sandbox/) runs behind its ``embedded_transport`` on a
``:memory:`` store with its own FakeClock; the client's fake clock is linked to it, so
a back-off sleep moves sandbox time too. Nothing here waits in real time.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.errors import ApiClientError, ApiError, NotFound, Unauthorized
from controller.marketplace.client import MarketplaceClient, PlaceOutcome
from controller.marketplace.models import SubscriptionStatus
from controller.marketplace.settings import Secret
from controller.sandbox.clock import FakeClock as SandboxClock
from controller.sandbox.embedded import embedded_transport
from tests.marketplace.conftest import sandbox_settings
from tests.marketplace.fakeapi import FakeClock
from tests.marketplace.placing import cancel, orders_of, renew

DEMO_IDS = [
    "1000177",
    "1000178",
    "1000179",
    "1000201",
    "1000202",
    "1000301",
    "1000302",
    "1000303",
    "1000304",
]
ATTRS = {"placedBy": "subctl", "specSource": "specs/acme.yaml:7", "revision": "abc123"}


class LinkedClock(FakeClock):
    """The client's fake clock; sleeping also moves the sandbox's clock."""

    def __init__(self, sandbox: SandboxClock) -> None:
        super().__init__()
        self.sandbox = sandbox

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds)
        self.sandbox.advance(seconds)


@asynccontextmanager
async def sandbox_client(
    *, seed: Path | None = None, settings: dict[str, Any] | None = None, **config: Any
) -> AsyncIterator[tuple[MarketplaceClient, LinkedClock]]:
    sandbox_clock = SandboxClock()
    clock = LinkedClock(sandbox_clock)
    transport = embedded_transport(":memory:", seed=seed, clock=sandbox_clock, **config)
    async with httpx.AsyncClient(transport=transport) as http:
        client = MarketplaceClient(
            http, sandbox_settings(**(settings or {})), sleep=clock.sleep, clock=clock
        )
        yield client, clock


@pytest.mark.anyio
async def test_demo_data_paged_and_counted() -> None:
    async with sandbox_client(settings={"page_size": 2}) as (client, _):
        subs = [s async for s in client.iter_subscriptions()]
        assert sorted(s.id for s in subs) == DEMO_IDS
        assert {s.name for s in subs} == {"Comms Care"}
        assert client.calls.snapshot() == {
            "POST /token": 1,
            "GET /subscriptions": math.ceil(len(DEMO_IDS) / 2),
        }
        cardiff = {s.id: s.status async for s in client.iter_subscriptions(customer_id="1000422")}
        assert cardiff["1000302"] is SubscriptionStatus.TERMINATED
        assert cardiff["1000303"] is SubscriptionStatus.PENDING
        assert cardiff["1000304"] is SubscriptionStatus.HOLD
        (open_order,) = await orders_of(client, "1000202")
        assert open_order.is_open
        assert open_order.placed_by_subctl
        assert open_order.statusCode == "PA"


@pytest.mark.anyio
async def test_many_subscriptions_exact_call_count(tmp_path: Path) -> None:
    count = 10_000
    subs = [
        {
            "id": str(6_000_000 + i),
            "name": "Comms Care",
            "customerId": "1000275",
            "status": "active",
            "renewalStatus": True,
            "expirationDate": "2027-01-31",
            "renewalDate": "2027-01-31",
            "subscriptionPeriod": {"type": "year", "duration": 1},
        }
        for i in range(count)
    ]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"subscriptions": subs}))
    # The server caps limit at 100; asking for 500 must still not lose anything.
    async with sandbox_client(seed=seed, settings={"page_size": 500}, page_limit_max=100) as (
        client,
        _,
    ):
        ids = [s.id async for s in client.iter_subscriptions()]
        assert len(ids) == len(set(ids)) == count
        assert client.calls.snapshot() == {"POST /token": 1, "GET /subscriptions": count // 100}


@pytest.mark.anyio
async def test_tokens_refreshed_before_expiry_and_on_401() -> None:
    async with sandbox_client(token_ttl=40) as (client, clock):
        await client.get_subscription("1000177")
        await clock.sleep(31)  # past 40 - 40/4: replaced before the sandbox refuses it
        await client.get_subscription("1000177")
        assert client.calls["POST /token"] == 2
        assert client.calls["GET /subscriptions/{id}"] == 2
        clock.sandbox.advance(3600)  # only server time moves: the cached token is dead
        await client.get_subscription("1000177")
        assert client.calls["POST /token"] == 3
        assert client.calls["GET /subscriptions/{id}"] == 4  # one 401, one re-send


@pytest.mark.anyio
async def test_error_mapping_against_sandbox() -> None:
    async with sandbox_client() as (client, _):
        with pytest.raises(NotFound) as missing:
            await client.get_subscription("999999")
        assert missing.value.correlation_id
        with pytest.raises(ApiClientError, match="not active"):
            await renew(client, ATTRS, sid="1000302", customer="1000422")
        existing = await cancel(
            client,
            {**ATTRS, "cancellationReason": "Closing the shop"},
            sid="1000202",
            customer="1000310",
        )
        assert existing.outcome is PlaceOutcome.ALREADY_OPEN
        assert existing.order.id == "5000001"
        price = await client.estimate_renewal("1000275", "1000177")
        assert (price.amount, price.currency) == ("70.50", "GBP")
    async with sandbox_client(settings={"password": Secret("wrong")}) as (client, _):
        with pytest.raises(Unauthorized):
            await client.get_subscription("1000177")


def _faults(kinds: tuple[str, ...], match: tuple[str, ...], rate: float = 1.0) -> dict[str, Any]:
    return {"fault_rate": rate, "fault_kinds": kinds, "fault_match": match, "fault_seed": 7}


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["commit-502", "commit-drop"])
async def test_every_post_committed_then_lost_yields_one_order(kind: str) -> None:
    async with sandbox_client(**_faults((kind,), ("POST /orders",))) as (client, _):
        before = await client.get_subscription("1000178")
        renewal = await renew(client, ATTRS, sid="1000178")
        cancellation = await cancel(
            client, {**ATTRS, "cancellationReason": "Moving on"}, sid="1000177"
        )
        for result in (renewal, cancellation):
            assert result.outcome is PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME
            assert result.posts == 1
        assert len(await orders_of(client, "1000178")) == 1
        assert len(await orders_of(client, "1000177")) == 1
        after = await client.get_subscription("1000178")
        assert before.expirationDate == dt.date(2026, 12, 15)
        assert after.expirationDate == dt.date(2027, 1, 15)  # one month, once


@pytest.mark.anyio
async def test_approve_whose_answer_was_lost() -> None:
    async with sandbox_client(**_faults(("commit-502",), ("PATCH /orders/*",))) as (client, _):
        approved = (await client.approve_order("5000001")).value
        assert approved.statusCode == "AP"
        # Every PATCH answer is lost (a retry's 400 too), so retries run out; the
        # re-read then shows the first attempt landed.
        assert client.calls["PATCH /orders/{id}"] == client.settings.retry_attempts
        assert client.calls["GET /orders/{id}"] == 1


@pytest.mark.anyio
@pytest.mark.usefixtures("backoff")
async def test_retry_after_from_sandbox_is_honoured() -> None:
    config = _faults(("429",), ("GET /subscriptions/*",), rate=0.5)
    async with sandbox_client(retry_after_seconds=3, **config) as (client, clock):
        for _ in range(10):
            with suppress(ApiError):
                await client.get_subscription("1000177")
        assert clock.sleeps, "the seed should produce some 429s"
        assert all(s >= 3.0 for s in clock.sleeps), clock.sleeps


@pytest.mark.anyio
async def test_renewals_under_random_faults_never_duplicate() -> None:
    """Seeded faults of every kind on every call; 40 renewals of one subscription."""
    kinds = ("500", "503", "429", "drop", "commit-502", "commit-drop")
    async with sandbox_client(**_faults(kinds, (), rate=0.3)) as (client, _):
        succeeded: list[str] = []
        unknown = 0
        for _ in range(40):
            try:
                result = await renew(client, ATTRS, sid="1000178")
                succeeded.append(result.order.id)
            except ApiError:
                unknown += 1
        sub = None
        while sub is None:
            try:
                orders = await orders_of(client, "1000178")
                sub = await client.get_subscription("1000178")
            except ApiError:
                continue
        per_request = Counter(o.attributes["requestId"] for o in orders)
        assert max(per_request.values()) == 1, "one placement created two orders"
        assert set(succeeded) <= {o.id for o in orders}
        assert len(succeeded) <= len(orders) <= len(succeeded) + unknown
        assert len(succeeded) >= 30  # most placements get through the 30 % faults
        start = dt.date(2026, 12, 15)
        months = start.year * 12 + start.month - 1 + len(orders)
        assert sub.expirationDate == dt.date(months // 12, months % 12 + 1, 15)
