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
E = TypeVar("E")  # the entity a PATCH changes: Subscription or Order


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
        # A 4xx to an absolute value is a real refusal: only a lost answer is looked into.
        return await self._patch(
            SUBSCRIPTIONS_PATH,
            subscription_id,
            {"renewalStatus": value},
            Subscription,
            self._reads.subscription,
            lambda live: live.renewalStatus is value,
            refusals_may_have_landed=False,
        )

    async def set_order_code(
        self,
        order_id: str,
        code: str,
        reached: Callable[[Order], bool],
        owner: OrderOwner | None,
        known: Order | None,
    ) -> Answered[Order]:
        await self._check_owner(order_id, owner, known)
        # A retried PATCH whose first attempt committed is refused as a bad transition.
        return await self._patch(
            ORDERS_PATH,
            order_id,
            {"statusCode": code},
            Order,
            self._reads.order,
            reached,
            refusals_may_have_landed=True,
        )

    async def _patch(
        self,
        collection: str,
        entity_id: str,
        body: dict[str, object],
        model: type[E],
        read: Callable[[str], Awaitable[Answered[E]]],
        reached: Callable[[E], bool],
        *,
        refusals_may_have_landed: bool,
    ) -> Answered[E]:
        """PATCH one entity; when it fails in a way that may hide a landed write, read the
        entity and succeed if it already is where the call wanted it."""
        landed_on: tuple[type[ApiError], ...] = (ApiServerError, ApiUnavailable)
        if refusals_may_have_landed:
            landed_on += (ApiClientError,)
        path = f"{collection}/{segment(entity_id)}"
        try:
            reply = await self._reads.send("PATCH", collection + "/{id}", path, body=body)
        except landed_on as err:
            if isinstance(err, NotFound | Unauthorized):
                raise
            # Retries ran out, or a retry was refused, but one attempt may have landed.
            current = await _reread_after(err, read, entity_id)
            if reached(current.value):
                return current
            raise err from None
        if reply.body is None:  # some gateways answer 204: read the result back
            return await read(entity_id)
        return Answered(reply.parse(model), reply.correlation_id)

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
