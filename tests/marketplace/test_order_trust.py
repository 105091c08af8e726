"""Issue 16 (a) and (b): never use another subscription's order; never re-post blindly.

The fake marketplace here misbehaves the ways a real one may: it ignores the
``subscriptionId`` filter, answers a POST with another order's body, drops or re-cases
the attributes an order was created with, and loses answers after committing.
"""

from __future__ import annotations

from typing import Any

import pytest

from controller.errors import ApiProtocolError, Conflict
from controller.marketplace.client import MarketplaceClient, OrderOwner, PlaceOutcome
from controller.marketplace.models import OrderType
from tests.marketplace.fakeapi import FakeApi
from tests.marketplace.placing import cancel, renew

ATTRS = {"placedBy": "subctl", "specSource": "specs/acme.yaml:12"}
CANCEL_ATTRS = {**ATTRS, "cancellationReason": "Customer moved to another provider"}


pytestmark = pytest.mark.usefixtures("three_subscriptions")


def _foreign_open_cancellation(api: FakeApi) -> dict[str, Any]:
    return api.add_pending_cancellation(
        "1000202", customer_id="1000310", attributes={"placedBy": "subctl"}
    )


@pytest.mark.anyio
async def test_conflict_pointing_at_another_customers_order_is_refused(
    api: FakeApi, client: MarketplaceClient
) -> None:
    # The marketplace refuses the POST as if an open order existed, and its listing
    # ignores the subscriptionId filter and omits subscriptionId (1.15 list items): the
    # only open cancellation it shows is another customer's. Before the fix subctl
    # took it as "already open" and went on to approve it.
    foreign = _foreign_open_cancellation(api)
    api.ignore_subscription_filter = True
    api.lists_omit = True
    api.script("POST /orders", "conflict")
    with pytest.raises(Conflict, match="provably"):
        await cancel(client, CANCEL_ATTRS)
    assert api.count("PATCH", f"/orders/{foreign['id']}") == 0


@pytest.mark.anyio
async def test_conflict_finds_our_subscriptions_open_order_among_foreign_ones(
    api: FakeApi, client: MarketplaceClient
) -> None:
    mine = api.add_pending_cancellation("1000178", creationDate="2026-11-01T09:00:00Z")
    foreign = _foreign_open_cancellation(api)
    foreign["creationDate"] = "2026-11-20T09:00:00Z"  # newer: listed first
    api.ignore_subscription_filter = True
    api.lists_omit = True
    result = await cancel(client, CANCEL_ATTRS)
    assert result.outcome is PlaceOutcome.ALREADY_OPEN
    assert result.order.id == mine["id"]


@pytest.mark.anyio
async def test_post_answered_with_another_order_is_not_used(
    api: FakeApi, client: MarketplaceClient
) -> None:
    foreign = _foreign_open_cancellation(api)
    api.post_answers_with = foreign["id"]
    with pytest.raises(ApiProtocolError, match="belongs to subscription 1000202"):
        await cancel(client, CANCEL_ATTRS)


@pytest.mark.anyio
async def test_approve_refuses_an_order_of_another_subscription(
    api: FakeApi, client: MarketplaceClient
) -> None:
    foreign = _foreign_open_cancellation(api)
    owner = OrderOwner("1000178", OrderType.CANCELLATION, "1000275")
    with pytest.raises(ApiProtocolError, match="nothing written"):
        await client.approve_order(foreign["id"], owner=owner)
    with pytest.raises(ApiProtocolError, match="nothing written"):
        await client.withdraw_order(foreign["id"], owner=owner)
    assert api.count("PATCH", f"/orders/{foreign['id']}") == 0
    mine = api.add_pending_cancellation("1000178")
    approved = (await client.approve_order(mine["id"], owner=owner)).value
    assert approved.statusCode == "AP"


@pytest.mark.anyio
@pytest.mark.parametrize("kept", ["none", "recased"])
@pytest.mark.parametrize("fault", ["committed-502", "committed-drop", "committed-timeout"])
async def test_lost_renewal_without_findable_request_id_is_never_posted_again(
    api: FakeApi, client: MarketplaceClient, kept: str, fault: str
) -> None:
    # Today (before the fix) one planned term became 3 paid orders here.
    api.attributes_kept = kept
    api.script("POST /orders", fault, fault, fault)
    with pytest.raises(ApiProtocolError, match="outcome of POST /orders unknown") as info:
        await renew(client, ATTRS)
    assert "requestId" in str(info.value)
    assert client.calls["POST /orders"] == 1
    assert len(api.orders_of("1000177")) == 1


@pytest.mark.anyio
async def test_lost_cancellation_without_request_id_names_the_candidate(
    api: FakeApi, client: MarketplaceClient
) -> None:
    api.attributes_kept = "none"
    api.lists_omit = True
    api.script("POST /orders", "committed-502")
    with pytest.raises(ApiProtocolError, match="outcome of POST /orders unknown") as info:
        await cancel(client, CANCEL_ATTRS)
    (created,) = api.orders_of("1000178")
    assert created["id"] in str(info.value)
    assert client.calls["POST /orders"] == 1


@pytest.mark.anyio
async def test_lost_answer_with_attributes_only_on_the_order_itself_is_found(
    api: FakeApi, client: MarketplaceClient
) -> None:
    # 1.15 list items carry no attributes: the new order is read whole to find our id.
    api.lists_omit = True
    api.script("POST /orders", "committed-502")
    result = await renew(client, ATTRS)
    assert result.outcome is PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME
    assert client.calls["POST /orders"] == 1
    assert len(api.orders_of("1000177")) == 1


@pytest.mark.anyio
async def test_filtered_listing_drops_items_of_another_subscription(
    api: FakeApi, client: MarketplaceClient
) -> None:
    _foreign_open_cancellation(api)
    api.ignore_subscription_filter = True
    listed = [o async for o in client.iter_orders(subscription_id="1000178")]
    assert listed == []
