"""Placing an order without ever placing it twice (DESIGN.md section 5, last rule).

Called by ``MarketplaceClient.place_order``; the only code that sends ``POST /orders``.
A duplicate renewal costs money, so this POST is never retried blindly:

1. Before the first POST, a baseline: the ids of that subscription's orders of that
   type (``GET /orders?subscriptionId=``, every page) and, for a renewal, its expiry.
   The caller may pass one it has just read (the executor does for renewals).
2. Every placement gets a fresh ``requestId`` (uuid4) in the order's ``attributes``,
   next to the caller's (``placedBy``, ``specSource``, ``revision``, ...).
3. The POST is sent once. A 2xx answer is the order, once it is proven to be this
   subscription's, of this type, of this customer (``ownership.py``; a copy lacking a
   value is completed with ``GET /orders/{id}``): outcome ``created``. Another order
   in the answer is an error for that subscription; nothing is used.
4. An unknown outcome (timeout, dropped connection, 5xx or 429, or a 2xx whose body is
   unreadable) -> wait (back-off, at least ``Retry-After``), re-read the orders. An
   order carrying our ``requestId`` is the result: ``found-after-unknown-outcome``.
   Otherwise only when the re-read proves nothing was created (the same order ids of
   this type as the baseline and, for a renewal, the same expiry) may the POST be sent
   again, at most ``order_post_attempts`` in all and within the retry time budget.
   Anything else (a new order whose attributes are missing or re-cased, an expiry that
   moved, a re-read that failed) is an unknown outcome: that subscription stops with an
   error naming the requestId and the candidate orders. Never a second blind POST.
5. ``Conflict`` (400 "an open order already exists") -> re-read: our own ``requestId``
   gives ``found-after-unknown-outcome``; otherwise an open order of the same type that
   is provably this subscription's is returned as ``already-open``. If none is, the
   Conflict is raised: that subscription's step fails, nothing is approved.
A 401 is handled below (auth.py): the request was not processed, so one re-send with
a fresh token is safe.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from controller.errors import ApiError, ApiProtocolError, ApiUnavailable, Conflict
from controller.marketplace.auth import Authenticator
from controller.marketplace.conventions import ATTR_REQUEST_ID
from controller.marketplace.models import Order, OrderType
from controller.marketplace.ownership import OrderOwner, needs_detail, ownership_problem
from controller.marketplace.retry import RetryPolicy, is_retryable

log = logging.getLogger("subctl.api")

ORDERS_PATH = "/orders"
__all__ = ["ATTR_REQUEST_ID", "Baseline", "OrderPlacer", "OrderSet", "PlaceOutcome", "PlaceResult"]


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


@dataclass(frozen=True)
class OrderSet:
    """One subscription's orders as listed (foreign ones already dropped)."""

    orders: tuple[Order, ...]
    unreadable_ids: frozenset[str] = frozenset()  # items that did not fit the model
    unidentified: int = 0  # items without a usable id
    correlation_id: str | None = None  # of the last page answer of the listing

    def ids(self, kind: OrderType) -> frozenset[str]:
        """Ids of the orders of ``kind``, plus any whose type could not be read."""
        return frozenset(o.id for o in self.orders if o.type is kind) | self.unreadable_ids


@dataclass(frozen=True)
class Baseline:
    """What a placement compares against after an unknown outcome."""

    order_ids: frozenset[str]
    expiry: dt.date | None = None  # renewals: the subscription's expiry before the POST


ReadOrders = Callable[[str], Awaitable[OrderSet]]
ReadOrder = Callable[[str], Awaitable[Order]]
ReadExpiry = Callable[[str], Awaitable[dt.date | None]]


def _posting(cause: ApiError) -> dict[str, Any]:
    """Where an error about a placement happened: the POST that ``cause`` answered."""
    return {
        "method": "POST",
        "path": ORDERS_PATH,
        "status": cause.status,
        "correlation_id": cause.correlation_id,
    }


def _ours(orders: tuple[Order, ...], request_id: str) -> Order | None:
    return next((o for o in orders if o.attributes.get(ATTR_REQUEST_ID) == request_id), None)


def _open_of_type(orders: tuple[Order, ...], order_type: OrderType) -> list[Order]:
    """Open orders of ``order_type``, newest first."""
    candidates = [o for o in orders if o.type is order_type and o.is_open]
    return sorted(
        candidates,
        key=lambda o: (o.creationDate is not None, o.creationDate, o.id.zfill(20)),
        reverse=True,
    )


_MAX_CANDIDATES = 10  # open orders read whole after a Conflict (a listing ignoring filters)


class OrderPlacer:
    def __init__(
        self,
        auth: Authenticator,
        retry: RetryPolicy,
        read_orders: ReadOrders,
        read_order: ReadOrder,
        read_expiry: ReadExpiry,
        *,
        attempts: int,
    ) -> None:
        self._auth = auth
        self._retry = retry
        self._read_orders = read_orders
        self._read_order = read_order
        self._read_expiry = read_expiry
        self._attempts = attempts

    async def baseline(self, subscription_id: str, order_type: OrderType) -> Baseline:
        listed = await self._read_orders(subscription_id)
        expiry = None
        if order_type is OrderType.RENEWAL:
            expiry = await self._read_expiry(subscription_id)
        return Baseline(listed.ids(order_type), expiry)

    async def _reread(self, subscription_id: str, request_id: str, cause: ApiError) -> OrderSet:
        try:
            return await self._read_orders(subscription_id)
        except ApiError as err:
            raise ApiUnavailable(
                f"outcome of POST /orders unknown (requestId {request_id}; {cause.message}); "
                f"re-reading orders failed: {err.message}; no second order placed",
                method="GET",
                path=ORDERS_PATH,
                status=err.status,
                correlation_id=cause.correlation_id or err.correlation_id,
            ) from None

    async def _proven(self, order: Order, owner: OrderOwner) -> Order:
        """``order``, completed if it lacks a value, once it is provably ``owner``'s."""
        if not order.id.strip():
            raise ApiProtocolError(
                f"POST /orders for subscription {owner.subscription_id}: the order has no "
                "id; not used",
                method="POST",
                path=ORDERS_PATH,
            )
        if needs_detail(order, owner):
            order = await self._read_order(order.id)
        problem = ownership_problem(order, owner)
        if problem is not None:
            raise ApiProtocolError(
                f"POST /orders for subscription {owner.subscription_id}: {problem}; "
                "nothing approved or withdrawn",
                method="POST",
                path=ORDERS_PATH,
            )
        return order

    async def _first_proven(
        self, candidates: list[Order], owner: OrderOwner, cause: Conflict
    ) -> Order:
        """The open order the Conflict means: the newest candidate provably ``owner``'s.
        None is: the step fails (the marketplace's "open order" is not shown to be ours)."""
        problems: list[str] = []
        for order in candidates[:_MAX_CANDIDATES]:
            try:
                return await self._proven(order, owner)
            except ApiProtocolError as err:
                problems.append(err.message)
        raise Conflict(
            f"{cause.message}; but no open {owner.order_type.value} order is provably "
            f"subscription {owner.subscription_id}'s ({'; '.join(problems[:3])}); "
            "nothing approved or withdrawn",
            **_posting(cause),
        )

    async def _resolve(
        self, owner: OrderOwner, request_id: str, baseline: Baseline, cause: ApiError
    ) -> Order | None:
        """After an unknown outcome: our order, or None when provably nothing was created.

        Raises when neither can be shown (outcome unknown: never a second POST)."""
        sub_id, kind = owner.subscription_id, owner.order_type
        listed = await self._reread(sub_id, request_id, cause)
        mine = _ours(listed.orders, request_id)
        if mine is not None:
            return await self._proven(mine, owner)
        new = sorted(listed.ids(kind) - baseline.order_ids)
        for order_id in new:
            # A list item may omit attributes: the order itself may carry our requestId.
            try:
                full = await self._read_order(order_id)
            except ApiError:
                continue
            if full.attributes.get(ATTR_REQUEST_ID) == request_id:
                return await self._proven(full, owner)
        why = ""
        if new or listed.unidentified:
            shown = ", ".join(new[:5]) or f"{listed.unidentified} order(s) without an id"
            why = f"new {kind.value} order(s) {shown} without our requestId"
        elif kind is OrderType.RENEWAL:
            try:
                expiry = await self._read_expiry(sub_id)
            except ApiError as err:
                why = f"re-reading the expiry failed ({err.message})"
            else:
                if expiry != baseline.expiry:
                    why = f"the expiry moved from {baseline.expiry} to {expiry}"
        if why:
            raise ApiProtocolError(
                f"outcome of POST /orders unknown for subscription {sub_id} (requestId "
                f"{request_id}; {cause.message}): {why}; no second order placed, check "
                "the marketplace",
                **_posting(cause),
            )
        return None

    async def place(
        self,
        order_type: OrderType,
        *,
        customer_id: str,
        subscription_id: str,
        attributes: Mapping[str, str],
        request_id: str,
        baseline: Baseline | None = None,
    ) -> PlaceResult:
        owner = OrderOwner(subscription_id, order_type, customer_id)
        if baseline is None:
            baseline = await self.baseline(subscription_id, order_type)
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
            answered: Order | None = None
            try:
                reply = await self._auth.send("POST", ORDERS_PATH, ORDERS_PATH, body=body)
                answered = reply.parse(Order)
                cid = reply.correlation_id
            except Conflict as err:
                listed = await self._reread(subscription_id, request_id, err)
                mine = _ours(listed.orders, request_id)
                if mine is not None:
                    order = await self._proven(mine, owner)
                    return PlaceResult(
                        order, PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME, request_id,
                        err.correlation_id, posts,
                    )  # fmt: skip
                candidates = _open_of_type(listed.orders, order_type)
                if not candidates:
                    raise
                order = await self._first_proven(candidates, owner, err)
                return PlaceResult(
                    order, PlaceOutcome.ALREADY_OPEN, request_id, err.correlation_id, posts
                )
            except ApiProtocolError as err:
                # A 2xx came back, so an order exists; only its description was unreadable.
                found = await self._resolve(owner, request_id, baseline, err)
                if found is None:
                    raise
                return PlaceResult(
                    found, PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME, request_id,
                    err.correlation_id, posts,
                )  # fmt: skip
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
                found = await self._resolve(owner, request_id, baseline, err)
                if found is not None:
                    return PlaceResult(
                        found, PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME, request_id,
                        err.correlation_id, posts,
                    )  # fmt: skip
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
                continue
            order = await self._proven(answered, owner)
            return PlaceResult(order, PlaceOutcome.CREATED, request_id, cid, posts)
