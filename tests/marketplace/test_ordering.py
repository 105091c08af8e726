"""POST /orders: at most one order per placement, whatever happens to the answers."""

from __future__ import annotations

import random

import httpx
import pytest

from controller.errors import ApiClientError, ApiError, ApiUnavailable, Conflict
from controller.marketplace.client import MarketplaceClient, PlaceOutcome
from controller.marketplace.models import OrderType
from controller.marketplace.retry import is_testing, set_testing
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock, subscription
from tests.marketplace.placing import cancel, renew

ATTRS = {"placedBy": "subctl", "specSource": "specs/acme.yaml:12", "revision": "abc123"}
CANCEL_ATTRS = {**ATTRS, "cancellationReason": "Customer moved to another provider"}


pytestmark = pytest.mark.usefixtures("three_subscriptions")


@pytest.mark.anyio
async def test_created_carries_request_id_and_caller_attributes(
    api: FakeApi, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    client = MarketplaceClient(
        http,
        make_client(http, clock).settings,
        sleep=clock.sleep,
        clock=clock,
        request_ids=lambda: "req-1",
    )
    result = await cancel(client, CANCEL_ATTRS)
    assert result.outcome is PlaceOutcome.CREATED
    assert not result.already_existed
    assert (result.request_id, result.posts) == ("req-1", 1)
    assert result.correlation_id is not None
    assert result.correlation_id.startswith("cid-")
    assert result.order.attributes == {**CANCEL_ATTRS, "requestId": "req-1"}
    assert (result.order.status, result.order.statusCode) == ("submitted", "PA")
    sent = api.requests[-1]
    assert sent.method == "POST"
    assert b'"type":"cancellation"' in sent.content


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["committed-502", "committed-drop", "committed-timeout"])
async def test_lost_answer_after_commit_is_found_not_repeated(
    api: FakeApi, client: MarketplaceClient, fault: str
) -> None:
    api.script("POST /orders", fault)
    result = await renew(client, ATTRS)
    assert result.outcome is PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME
    assert result.order.attributes["requestId"] == result.request_id
    assert len(api.orders_of("1000177")) == 1
    assert client.calls["POST /orders"] == 1
    # The renewal moved the term exactly once.
    assert api.subscriptions["1000177"]["expirationDate"] == "2028-01-31"


@pytest.mark.anyio
async def test_every_post_committed_then_502_still_one_order(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.script("POST /orders", *["committed-502"] * 20)
    for sid in ("1000177", "1000178"):
        result = await renew(client, ATTRS, sid=sid)
        assert result.outcome is PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME
    result = await cancel(client, CANCEL_ATTRS, sid="1000202", customer="1000310")
    assert result.outcome is PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME
    for sid in ("1000177", "1000178", "1000202"):
        assert len(api.orders_of(sid)) == 1
    assert client.calls["POST /orders"] == 3


@pytest.mark.anyio
@pytest.mark.parametrize("fault", ["500", "503", "drop", "timeout", "429"])
async def test_failure_before_commit_posts_again_after_reread(
    api: FakeApi, client: MarketplaceClient, fault: str
) -> None:
    api.script("POST /orders", fault)
    result = await renew(client, ATTRS)
    assert result.outcome is PlaceOutcome.CREATED
    assert result.posts == 2
    assert len(api.orders_of("1000177")) == 1
    # The baseline before the first POST, and the re-read between the two POSTs (which
    # also reads the expiry: the renewal is re-posted only if nothing moved).
    assert client.calls["GET /orders"] == 2
    assert client.calls["GET /subscriptions/{id}"] == 2


@pytest.mark.anyio
@pytest.mark.usefixtures("backoff")
async def test_429_on_post_waits_at_least_retry_after(
    api: FakeApi, client: MarketplaceClient, clock: FakeClock
) -> None:
    api.retry_after = "9"
    api.script("POST /orders", "429")
    result = await renew(client, ATTRS)
    assert result.outcome is PlaceOutcome.CREATED
    assert clock.sleeps
    assert clock.sleeps[0] >= 9.0


@pytest.mark.anyio
async def test_gives_up_after_bounded_posts_with_none_created(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.script("POST /orders", *["503"] * 10)
    with pytest.raises(ApiError, match="none was created") as info:
        await renew(client, ATTRS)
    assert info.value.retryable
    assert client.calls["POST /orders"] == client.settings.order_post_attempts == 3
    assert api.orders_of("1000177") == []


@pytest.mark.anyio
async def test_unknown_outcome_and_failing_reread_never_posts_again(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.script("POST /orders", "committed-502")
    api.script("GET /orders", "ok", *["503"] * 10)  # the baseline read, then failures
    with pytest.raises(ApiUnavailable, match="outcome of POST /orders unknown"):
        await renew(client, ATTRS)
    assert client.calls["POST /orders"] == 1
    assert len(api.orders_of("1000177")) == 1


@pytest.mark.anyio
async def test_open_order_elsewhere_is_returned_as_already_open(
    api: FakeApi, client: MarketplaceClient
) -> None:
    existing = api.add_pending_cancellation(
        "1000202", customer_id="1000310", attributes={"placedBy": "portal"}
    )
    result = await cancel(client, CANCEL_ATTRS, sid="1000202", customer="1000310")
    assert result.outcome is PlaceOutcome.ALREADY_OPEN
    assert result.already_existed
    assert result.order.id == existing["id"]
    assert len(api.orders_of("1000202")) == 1


@pytest.mark.anyio
async def test_conflict_after_our_own_lost_commit_is_ours(
    api: FakeApi, client: MarketplaceClient
) -> None:
    # First POST commits but its answer is lost; the re-read misses it (a lagging
    # replica, which also answered the baseline read); the second POST meets the
    # open-order rule; the next re-read finds ours.
    api.script("POST /orders", "committed-502")
    api.stale_order_reads = 2
    result = await cancel(client, CANCEL_ATTRS)
    assert result.outcome is PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME
    assert client.calls["POST /orders"] == 2
    assert len(api.orders_of("1000178")) == 1


@pytest.mark.anyio
async def test_conflict_with_nothing_open_is_raised(client: MarketplaceClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"token": "t", "expiresInSeconds": 60})
        if request.method == "POST":
            return httpx.Response(400, json={"message": "An open order already exists"})
        if "/subscriptions/" in request.url.path:  # a renewal's baseline reads the expiry
            return httpx.Response(200, json=subscription("1000177"))
        return httpx.Response(
            200, json={"data": [], "pagination": {"offset": 0, "limit": 100, "total": 0}}
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        other = make_client(http, FakeClock())
        with pytest.raises(Conflict):
            await renew(other, ATTRS)


@pytest.mark.anyio
async def test_unreadable_success_body_is_resolved_by_request_id(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.script("POST /orders", "committed-garbage")
    result = await renew(client, ATTRS)
    assert result.outcome is PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME
    assert client.calls["POST /orders"] == 1


@pytest.mark.anyio
async def test_caller_mistakes_refused_before_any_call(client: MarketplaceClient) -> None:
    with pytest.raises(ValueError, match="cancellationReason"):
        await client.place_order(
            OrderType.CANCELLATION, customer_id="1", subscription_id="1000177", attributes=ATTRS
        )
    with pytest.raises(ValueError, match="requestId"):
        await client.place_order(
            OrderType.RENEWAL,
            customer_id="1",
            subscription_id="1000177",
            attributes={**ATTRS, "requestId": "mine"},
        )
    with pytest.raises(ValueError, match="sales"):
        await client.place_order(
            OrderType.SALES, customer_id="1", subscription_id="1000177", attributes=ATTRS
        )
    assert client.calls.total == 0


@pytest.mark.anyio
async def test_random_fault_sequences_never_duplicate(
    api: FakeApi, client: MarketplaceClient
) -> None:
    """Seeded fuzz: 150 placements under random faults on POST and on the re-read."""
    rng = random.Random(20261125)
    post_faults = [
        "ok",
        "500",
        "503",
        "429",
        "drop",
        "timeout",
        "committed-502",
        "committed-drop",
        "committed-timeout",
        "committed-garbage",
    ]
    read_faults = ["ok", "ok", "503", "drop", "timeout"]
    for i in range(150):
        sid = str(4_000_000 + i)
        api.add_subscriptions(subscription(sid))
        api.faults.clear()
        api.script("POST /orders", *rng.choices(post_faults, k=6))
        api.script("GET /orders", *rng.choices(read_faults, k=6))
        try:
            result = await renew(client, ATTRS, sid=sid)
        except ApiError:
            result = None
        orders = api.orders_of(sid)
        assert len(orders) <= 1, f"duplicate orders for {sid}: {orders}"
        if result is not None:
            assert [o["id"] for o in orders] == [result.order.id]
            assert result.order.attributes["requestId"] == result.request_id


@pytest.mark.anyio
async def test_approve_after_lost_answer_is_success(
    api: FakeApi, client: MarketplaceClient
) -> None:
    order = api.add_pending_cancellation("1000178")
    api.script("PATCH /orders/{id}", "committed-502")
    approved = (await client.approve_order(order["id"])).value
    assert (approved.status, approved.statusCode) == ("processing", "AP")
    assert client.calls["PATCH /orders/{id}"] == 2  # the retry was refused: already AP


@pytest.mark.anyio
async def test_withdraw_and_refused_transitions(api: FakeApi, client: MarketplaceClient) -> None:
    order = api.add_pending_cancellation("1000178")
    withdrawn = (await client.withdraw_order(order["id"])).value
    assert (withdrawn.status, withdrawn.statusCode) == ("cancelled", "CL")
    again = (await client.withdraw_order(order["id"])).value  # idempotent
    assert again.statusCode == "CL"
    with pytest.raises(ApiClientError, match="Invalid status transition"):
        await client.approve_order(order["id"])


def test_waits_are_zero_under_the_autouse_fixture() -> None:
    # Every client test runs with back-off off unless it asks for ``backoff``: a test
    # that forgot would sleep in real time.
    assert is_testing()


def test_backoff_fixture_switches_real_waits_back_on(backoff: None) -> None:
    assert not is_testing()
    set_testing(True)  # the autouse fixture's teardown still leaves it off afterwards
    assert is_testing()
