"""Proof that an order is the one a write means: this subscription's, this type, this
customer's (issue 16: never approve or withdraw another customer's order).

Used by ``ordering.py`` (the order a POST answered with, or the open order a Conflict
points at) and by ``MarketplaceClient.approve_order``/``withdraw_order`` before the
PATCH. A list item may lack ``subscriptionId`` or ``customerId`` (1.15 ``Order`` list
items carry no ``subscriptionId``), so the caller completes it with ``GET /orders/{id}``
before asking; a value still missing then is not proof, and the write is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.marketplace.models import Order, OrderType


@dataclass(frozen=True)
class OrderOwner:
    """What an order must be for subctl to use it."""

    subscription_id: str
    order_type: OrderType
    customer_id: str | None = None  # None: the customer is not checked (unknown to us)


def needs_detail(order: Order, owner: OrderOwner) -> bool:
    """Whether this copy lacks a value the check needs (then fetch ``GET /orders/{id}``)."""
    return order.subscriptionId is None or (
        owner.customer_id is not None and order.customerId is None
    )


def ownership_problem(order: Order, owner: OrderOwner) -> str | None:
    """Why ``order`` is not provably ``owner``'s, or None when it is."""
    name = order.display_name
    if order.subscriptionId != owner.subscription_id:
        have = order.subscriptionId or "none given"
        return f"order {name} belongs to subscription {have}, not {owner.subscription_id}; not used"
    if order.type is not owner.order_type:
        return (
            f"order {name} is a {order.type.value} order, not a {owner.order_type.value}; not used"
        )
    if owner.customer_id is not None and order.customerId != owner.customer_id:
        have = order.customerId or "none given"
        return f"order {name} belongs to customer {have}, not {owner.customer_id}; not used"
    return None
