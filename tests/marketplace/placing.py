"""One renewal or one cancellation placed by a client test. The defaults are customer
1000275's two subscriptions, in the fake API (``three_subscriptions``) as in the sandbox's
default seed, so each test states only what differs."""

from __future__ import annotations

from collections.abc import Mapping

from controller.marketplace.client import MarketplaceClient, PlaceResult
from controller.marketplace.models import OrderType


async def renew(
    client: MarketplaceClient,
    attributes: Mapping[str, str],
    *,
    sid: str = "1000177",
    customer: str = "1000275",
) -> PlaceResult:
    return await client.place_order(
        OrderType.RENEWAL, customer_id=customer, subscription_id=sid, attributes=attributes
    )


async def cancel(
    client: MarketplaceClient,
    attributes: Mapping[str, str],
    *,
    sid: str = "1000178",
    customer: str = "1000275",
) -> PlaceResult:
    return await client.place_order(
        OrderType.CANCELLATION, customer_id=customer, subscription_id=sid, attributes=attributes
    )
