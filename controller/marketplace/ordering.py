"""Placing an order without ever placing it twice (DESIGN.md section 5, last rule).

Called by ``MarketplaceClient.place_order``; the only code that sends ``POST /orders``.
A duplicate renewal costs money, so this POST is never retried blindly:

1. Every placement gets a fresh ``requestId`` (uuid4) in the order's ``attributes``,
   next to the caller's (``placedBy``, ``specSource``, ``revision``, ...). Orders keep
   their attributes, so the id later proves which order this placement created.
2. The POST is sent once. A 2xx answer is the order: outcome ``created``.
3. An unknown outcome (timeout, dropped connection, 5xx or 429: the write may have
   happened and only the answer was lost) -> wait (back-off, at least ``Retry-After``),
   re-read the subscription's orders (``GET /orders?subscriptionId=``, every page). An
   order carrying our ``requestId`` is the result: ``found-after-unknown-outcome``.
   Only when none exists is the POST sent again, at most ``order_post_attempts`` in all
   and within the retry time budget. If the re-read itself fails, the outcome stays
   unknown and an ``ApiUnavailable`` saying so is raised: never a blind POST.
4. A 2xx with an unreadable body: the order exists; re-read and find it by ``requestId``.
5. ``Conflict`` (400 "an open order already exists") -> re-read: our own ``requestId``
   (an earlier attempt did commit) gives ``found-after-unknown-outcome``; otherwise an
   open order of the same type is returned as ``already-open`` and the caller decides
   what that means. If no such order exists the Conflict is raised.
A 401 is handled below (auth.py): the request was not processed, so one re-send with
a fresh token is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from controller.errors import ApiError, ApiProtocolError, ApiUnavailable, Conflict
from controller.marketplace.auth import Authenticator
from controller.marketplace.errors_map import parse_model
from controller.marketplace.models import Order, OrderType
from controller.marketplace.retry import RetryPolicy, is_retryable

log = logging.getLogger("subctl.api")

ORDERS_PATH = "/orders"
ATTR_REQUEST_ID = "requestId"


class PlaceOutcome(StrEnum):
    CREATED = "created"
    FOUND_AFTER_UNKNOWN_OUTCOME = "found-after-unknown-outcome"
    ALREADY_OPEN = "already-open"


@dataclass(frozen=True)
class PlaceResult:
    """What ``place_order`` achieved; ``order`` is never a second copy of anything."""

    order: Order
    outcome: PlaceOutcome
    request_id: str
    correlation_id: str | None
    posts: int  # how many times POST /orders was sent

    @property
    def already_existed(self) -> bool:
        return self.outcome is PlaceOutcome.ALREADY_OPEN


ReadOrders = Callable[[str], Awaitable[list[Order]]]


def _found(order: Order, request_id: str, err: ApiError, posts: int) -> PlaceResult:
    """Our own order, found by its requestId after an answer that did not say so."""
    return PlaceResult(
        order, PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME, request_id, err.correlation_id, posts
    )


def _ours(orders: list[Order], request_id: str) -> Order | None:
    return next((o for o in orders if o.attributes.get(ATTR_REQUEST_ID) == request_id), None)


def _open_of_type(orders: list[Order], order_type: OrderType) -> Order | None:
    candidates = [o for o in orders if o.type is order_type and o.is_open]
    if not candidates:
        return None
    return max(candidates, key=lambda o: (o.creationDate is not None, o.creationDate, o.id))


class OrderPlacer:
    def __init__(
        self,
        auth: Authenticator,
        retry: RetryPolicy,
        read_orders: ReadOrders,
        *,
        attempts: int,
    ) -> None:
        self._auth = auth
        self._retry = retry
        self._read_orders = read_orders
        self._attempts = attempts

    async def _reread(self, subscription_id: str, request_id: str, cause: ApiError) -> list[Order]:
        try:
            return await self._read_orders(subscription_id)
        except ApiError as err:
            raise ApiUnavailable(
                f"outcome of POST /orders unknown (requestId {request_id}; {cause.message}); "
                f"re-reading orders failed: {err.message}",
                method="GET",
                path=ORDERS_PATH,
                status=err.status,
                correlation_id=cause.correlation_id or err.correlation_id,
            ) from None

    async def place(
        self,
        order_type: OrderType,
        *,
        customer_id: str,
        subscription_id: str,
        attributes: Mapping[str, str],
        request_id: str,
    ) -> PlaceResult:
        body = {
            "type": order_type.value,
            "customerId": customer_id,
            "subscriptionId": subscription_id,
            "attributes": {**attributes, ATTR_REQUEST_ID: request_id},
        }
        started = self._retry.clock()
        posts = 0
        while True:
            # A token fetch sends no order, so it may retry freely before the POST.
            await self._retry.call(self._auth.token)
            posts += 1
            try:
                reply = await self._auth.send("POST", ORDERS_PATH, ORDERS_PATH, body=body)
                order = parse_model(
                    Order,
                    reply.body,
                    method="POST",
                    path=ORDERS_PATH,
                    status=reply.status,
                    correlation_id=reply.correlation_id,
                )
                return PlaceResult(
                    order, PlaceOutcome.CREATED, request_id, reply.correlation_id, posts
                )
            except Conflict as err:
                orders = await self._reread(subscription_id, request_id, err)
                mine = _ours(orders, request_id)
                if mine is not None:
                    return _found(mine, request_id, err, posts)
                existing = _open_of_type(orders, order_type)
                if existing is not None:
                    return PlaceResult(
                        existing, PlaceOutcome.ALREADY_OPEN, request_id, err.correlation_id, posts
                    )
                raise
            except ApiProtocolError as err:
                # A 2xx came back, so the order exists; only its description was unreadable.
                mine = _ours(await self._reread(subscription_id, request_id, err), request_id)
                if mine is None:
                    raise
                return _found(mine, request_id, err, posts)
            except ApiError as err:
                if not is_retryable(err):
                    raise
                log.debug("POST /orders outcome unknown (%s); re-reading orders", err.message)
                wait = self._retry.backoff(posts, err)
                can_post_again = posts < self._attempts and self._retry.within_budget(started, wait)
                if can_post_again:
                    log.info(
                        "POST /orders: outcome unknown (%s); re-reading orders in %.1fs",
                        err.message,
                        wait,
                    )
                    await self._retry.sleep(wait)
                mine = _ours(await self._reread(subscription_id, request_id, err), request_id)
                if mine is not None:
                    return _found(mine, request_id, err, posts)
                if not can_post_again:
                    raise type(err)(
                        f"order not placed after {posts} attempt(s), none was created "
                        f"(requestId {request_id}): {err.message}",
                        method="POST",
                        path=ORDERS_PATH,
                        status=err.status,
                        correlation_id=err.correlation_id,
                        retry_after=err.retry_after,
                    ) from None
