"""The client's PATCH writes: auto-renew, and an order's status code (approve, withdraw).

Below ``MarketplaceClient`` (``client.py``), on top of ``reads.py``: a PATCH sets an
absolute value, so it goes through the same retried ``Reads.send`` as a GET. What
makes a write more than a read is what happens when it fails: a 4xx on a retry whose
first attempt committed, or retries that ran out while one attempt landed. Then the
entity is read again, and the write succeeds if it already is where the call wanted
it. Before an order's code is changed, the order is proven to be the caller's
(``ownership.py``, issue 16). Each write returns ``Answered``: the value and the
correlation id of the answer it came from (the PATCH's, or the read-back's).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from controller.errors import (
    ApiClientError,
    ApiError,
    ApiProtocolError,
    ApiServerError,
    ApiUnavailable,
    NotFound,
    Unauthorized,
)
from controller.marketplace.exchange import Answered
from controller.marketplace.models import Order, Subscription
from controller.marketplace.ordering import ORDERS_PATH
from controller.marketplace.ownership import OrderOwner, needs_detail, ownership_problem
from controller.marketplace.reads import SUBSCRIPTIONS_PATH, Reads, segment

T = TypeVar("T")


async def _reread_after(error: ApiError, read: Callable[[str], Awaitable[T]], entity_id: str) -> T:
    """Read an entity after a failed write; if that fails too, the write's error wins."""
    try:
        return await read(entity_id)
    except ApiError:
        raise error from None


class Writes:
    def __init__(self, reads: Reads) -> None:
        self._reads = reads

    def __repr__(self) -> str:
        return f"Writes({self._reads!r})"

    async def set_auto_renew(self, subscription_id: str, value: bool) -> Answered[Subscription]:
        path = f"{SUBSCRIPTIONS_PATH}/{segment(subscription_id)}"
        try:
            reply = await self._reads.send(
                "PATCH", SUBSCRIPTIONS_PATH + "/{id}", path, body={"renewalStatus": value}
            )
        except (ApiServerError, ApiUnavailable) as err:
            # Retries ran out, but one of the attempts may have landed: look before failing.
            current = await _reread_after(err, self._reads.subscription, subscription_id)
            if current.value.renewalStatus is value:
                return current
            raise err from None
        if reply.body is None:  # some gateways answer 204: read the result back
            return await self._reads.subscription(subscription_id)
        return Answered(reply.parse(Subscription), reply.correlation_id)

    async def set_order_code(
        self,
        order_id: str,
        code: str,
        reached: Callable[[Order], bool],
        owner: OrderOwner | None,
        known: Order | None,
    ) -> Answered[Order]:
        await self._check_owner(order_id, owner, known)
        path = f"{ORDERS_PATH}/{segment(order_id)}"
        try:
            reply = await self._reads.send(
                "PATCH", ORDERS_PATH + "/{id}", path, body={"statusCode": code}
            )
        except (ApiClientError, ApiServerError, ApiUnavailable) as err:
            if isinstance(err, NotFound | Unauthorized):
                raise
            # A retried PATCH whose first attempt committed is refused as a bad
            # transition, and retries can run out while the write did land: if the order
            # already is where we wanted it, that is success.
            current = await _reread_after(err, self._reads.order, order_id)
            if reached(current.value):
                return current
            raise err from None
        if reply.body is None:
            return await self._reads.order(order_id)
        return Answered(reply.parse(Order), reply.correlation_id)

    async def _check_owner(
        self, order_id: str, owner: OrderOwner | None, known: Order | None
    ) -> None:
        """Refuse to touch an order that is not provably ``owner``'s (issue 16)."""
        if owner is None:
            return
        order = known if known is not None and known.id == order_id else None
        if order is None or needs_detail(order, owner):
            order = (await self._reads.order(order_id)).value
        problem = ownership_problem(order, owner)
        if problem is not None:
            raise ApiProtocolError(
                f"{problem}; nothing written",
                method="PATCH",
                path=ORDERS_PATH + "/{id}",
            )
