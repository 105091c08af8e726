from __future__ import annotations

import pytest

from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import OrderType
from tests.marketplace.fakeapi import FakeApi, subscription


@pytest.mark.anyio
async def test_smoke(api: FakeApi, client: MarketplaceClient) -> None:
    api.add_subscriptions(*(subscription(str(1000177 + i)) for i in range(3)))
    subs = [s async for s in client.iter_subscriptions()]
    assert [s.id for s in subs] == ["1000177", "1000178", "1000179"]
    result = await client.place_order(
        OrderType.CANCELLATION,
        customer_id="1000275",
        subscription_id="1000178",
        attributes={"placedBy": "subctl", "cancellationReason": "moved"},
    )
    assert result.outcome == "created"
    approved = await client.approve_order(result.order.id)
    assert approved.statusCode == "AP"
