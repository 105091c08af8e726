"""One renewal or one cancellation placed by a client test, and the orders of one
subscription read back. The defaults are customer
1000275's two subscriptions, in the fake API (``three_subscriptions``) as in the sandbox's
default seed, so each test states only what differs."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from controller.marketplace.client import MarketplaceClient, PlaceResult
from controller.marketplace.models import Order, OrderType

# The subscription each kind of order is placed on unless a test names another.
_DEFAULT_SUBSCRIPTION = {OrderType.RENEWAL: "1000177", OrderType.CANCELLATION: "1000178"}


async def place(
    order_type: OrderType,
    client: MarketplaceClient,
    attributes: Mapping[str, str],
    *,
    sid: str | None = None,
    customer: str = "1000275",
) -> PlaceResult:
    return await client.place_order(
        order_type,
        customer_id=customer,
        subscription_id=sid or _DEFAULT_SUBSCRIPTION[order_type],
        attributes=attributes,
    )


renew = partial(place, OrderType.RENEWAL)
cancel = partial(place, OrderType.CANCELLATION)


async def orders_of(client: MarketplaceClient, sid: str) -> list[Order]:
    """Every order of subscription ``sid``, through the client's paged listing."""
    return [o async for o in client.iter_orders(subscription_id=sid)]
