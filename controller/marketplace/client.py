"""``MarketplaceClient``: the typed async API subset subctl uses (DESIGN.md section 4).

Top of the client pipeline, used by observe (listings), plan (estimates) and apply
(writes):

    MarketplaceClient -> RetryPolicy (idempotent calls only) -> Authenticator
        -> Exchange (limits, counting, bounded read, logging, error mapping) -> httpx

The ``httpx.AsyncClient`` is passed in, so the embedded sandbox (``ASGITransport``)
and tests (``MockTransport``) plug in without patching; ``make_http_client`` builds
the one used for a real marketplace. Every response body is validated into the live
models (``models.py``); a body that does not fit is ``ApiProtocolError``.

Retries: GETs, ``PATCH`` (absolute values) and the estimate retry on 5xx/429/no answer.
``POST /orders`` never retries blindly: see ``ordering.py`` and ``docs/client.md``.
PATCHes that fail (a 4xx on a retry whose first try committed, or retries run out)
re-read the entity and succeed if it already is where the call wanted it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
import httpx
import pydantic

from controller.errors import (
    ApiClientError,
    ApiError,
    ApiProtocolError,
    ApiServerError,
    ApiUnavailable,
    NotFound,
    Unauthorized,
)
from controller.marketplace.auth import Authenticator
from controller.marketplace.conventions import (
    ATTR_CANCELLATION_REASON,
    ATTR_REQUEST_ID,
    CODE_APPROVED,
    CODE_WITHDRAWN,
    approval_reached,
    withdrawal_reached,
)
from controller.marketplace.errors_map import describe_validation, parse_model, protocol_error
from controller.marketplace.exchange import Answered, CallCounter, Exchange, Reply
from controller.marketplace.limits import Clock, Limits, Sleep
from controller.marketplace.models import (
    Estimate,
    InvalidItem,
    Money,
    Order,
    OrderType,
    Subscription,
    adapter,
)
from controller.marketplace.ordering import (
    ORDERS_PATH,
    Baseline,
    OrderPlacer,
    OrderSet,
    PlaceOutcome,
    PlaceResult,
)
from controller.marketplace.ownership import OrderOwner, needs_detail, ownership_problem
from controller.marketplace.paging import iter_items
from controller.marketplace.retry import RetryPolicy
from controller.marketplace.settings import ApiSettings

__all__ = [
    "Answered",
    "Baseline",
    "MarketplaceClient",
    "OrderOwner",
    "OrderSet",
    "PlaceOutcome",
    "PlaceResult",
    "make_http_client",
]

log = logging.getLogger("subctl.api")

M = TypeVar("M")  # a live model or record
T = TypeVar("T")

SUBSCRIPTIONS_PATH = "/subscriptions"
ESTIMATE_PATH = "/orders/estimate"


def make_http_client(settings: ApiSettings) -> httpx.AsyncClient:
    """The httpx client for a real marketplace: timeouts, pool sized to our concurrency."""
    return httpx.AsyncClient(
        timeout=settings.timeout,
        limits=httpx.Limits(
            max_connections=settings.max_concurrency,
            max_keepalive_connections=settings.max_concurrency,
        ),
        follow_redirects=False,  # a redirect would re-send credentials somewhere else
        headers={"Accept": "application/json", "User-Agent": "subctl"},
    )


def _segment(value: str) -> str:
    """An id as one path segment: non-empty, and unable to reach another path."""
    if not value or not value.strip():
        raise ValueError("id must not be empty")
    return quote(value, safe="")


def _query(**values: str | None) -> dict[str, str | int]:
    return {k: v for k, v in values.items() if v is not None}


def _usable(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _item_key(item: object) -> str:
    if isinstance(item, InvalidItem):
        return f"\0invalid\0{item.id or item.reason}"
    return str(getattr(item, "id", ""))


class MarketplaceClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: ApiSettings,
        *,
        sleep: Sleep = anyio.sleep,
        clock: Clock = time.monotonic,
        request_ids: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self.settings = settings
        self.calls = CallCounter()
        self.limits = Limits(
            settings.max_concurrency,
            settings.max_rate,
            burst=settings.rate_burst,
            clock=clock,
            sleep=sleep,
        )
        self.retry = RetryPolicy.from_settings(settings, sleep=sleep, clock=clock)
        self._exchange = Exchange(http, settings, self.limits, self.calls)
        self.auth = Authenticator(self._exchange, settings, clock=clock)
        self._placer = OrderPlacer(
            self.auth,
            self.retry,
            self.order_set,
            self.get_order,
            self._expiry_of,
            attempts=settings.order_post_attempts,
        )
        self._request_ids = request_ids

    def __repr__(self) -> str:
        return f"MarketplaceClient(base_url={self.settings.base_url!r}, calls={self.calls.total})"

    # -- plumbing ---------------------------------------------------------------

    async def _idempotent(
        self,
        method: str,
        template: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
    ) -> Reply:
        async def once() -> Reply:
            return await self.auth.send(method, template, path, params=params, body=body)

        return await self.retry.call(once)

    @staticmethod
    async def _reread_after(
        error: ApiError, read: Callable[[str], Awaitable[T]], entity_id: str
    ) -> T:
        """Read an entity after a failed write; if that fails too, the write's error wins."""
        try:
            return await read(entity_id)
        except ApiError:
            raise error from None

    @staticmethod
    def _parse(model: type[M], reply: Reply, data: Any) -> M:
        return parse_model(
            model,
            data,
            method=reply.method,
            path=reply.path,
            status=reply.status,
            correlation_id=reply.correlation_id,
        )

    def _pager(
        self,
        path: str,
        model: type[M],
        kind: str,
        query: dict[str, str | int],
        on_reply: Callable[[Reply], None] | None = None,
    ) -> AsyncIterator[M | InvalidItem]:
        async def fetch(offset: int, limit: int) -> Reply:
            params = {**query, "offset": offset, "limit": limit}
            reply = await self._idempotent("GET", path, path, params=params)
            if on_reply is not None:
                on_reply(reply)
            return reply

        def parse(raw: object, reply: Reply) -> M | InvalidItem:
            # Per item: one item that does not fit is that item's problem, not the page's.
            fields = raw if isinstance(raw, dict) else {}
            try:
                item = adapter(model).validate_python(raw)
            except pydantic.ValidationError as err:
                reason = describe_validation(err)
            else:
                if _usable(getattr(item, "id", None)) is not None:
                    return item
                reason = "id: empty"
            return InvalidItem(
                kind,
                _usable(fields.get("id")),
                reason,
                subscriptionId=_usable(fields.get("subscriptionId")),
                correlation_id=reply.correlation_id,
            )

        return iter_items(
            fetch,
            parse,
            _item_key,
            self.settings.page_size,
            # Pages are parsed as they arrive; a window of several times the requests in
            # flight keeps the server busy while earlier pages are parsed (~3,200 items
            # held at most).
            window=4 * self.settings.max_concurrency,
            max_total=self.settings.max_list_total,
        )

    async def _valid(
        self,
        items: AsyncIterator[M | InvalidItem],
        model: type[M],
        path: str,
        invalid: list[InvalidItem] | None,
    ) -> AsyncIterator[M]:
        """The items that fit; the others go to ``invalid`` (or, without one, fail)."""
        async for item in items:
            if not isinstance(item, InvalidItem):
                yield item
            elif invalid is not None:
                invalid.append(item)
            else:
                raise protocol_error(
                    f"unexpected {model.__name__} in response: {item.reason}",
                    method="GET",
                    path=path,
                    status=200,
                    correlation_id=item.correlation_id,
                )

    # -- subscriptions ------------------------------------------------------------

    def iter_subscriptions(
        self,
        customer_id: str | None = None,
        status: str | None = None,
        *,
        invalid: list[InvalidItem] | None = None,
    ) -> AsyncIterator[Subscription]:
        """Every subscription (optionally of one customer / status), page by page.

        Items that do not fit the model are appended to ``invalid`` when it is given
        (each is that subscription's problem); without it the first one fails the call."""
        query = _query(customerId=customer_id, status=status)
        items = self._pager(SUBSCRIPTIONS_PATH, Subscription, "subscription", query)
        return self._valid(items, Subscription, SUBSCRIPTIONS_PATH, invalid)

    async def _expiry_of(self, subscription_id: str) -> dt.date | None:
        return (await self.get_subscription(subscription_id)).expirationDate

    async def get_subscription(self, subscription_id: str) -> Subscription:
        return (await self.read_subscription(subscription_id)).value

    async def read_subscription(self, subscription_id: str) -> Answered[Subscription]:
        """``get_subscription`` with the correlation id of its answer."""
        path = f"{SUBSCRIPTIONS_PATH}/{_segment(subscription_id)}"
        reply = await self._idempotent("GET", SUBSCRIPTIONS_PATH + "/{id}", path)
        return Answered(self._parse(Subscription, reply, reply.body), reply.correlation_id)

    async def set_auto_renew(self, subscription_id: str, value: bool) -> Answered[Subscription]:
        """``PATCH renewalStatus``: an absolute value, so retrying it is safe."""
        path = f"{SUBSCRIPTIONS_PATH}/{_segment(subscription_id)}"
        try:
            reply = await self._idempotent(
                "PATCH", SUBSCRIPTIONS_PATH + "/{id}", path, body={"renewalStatus": value}
            )
        except (ApiServerError, ApiUnavailable) as err:
            # Retries ran out, but one of the attempts may have landed: look before failing.
            current = await self._reread_after(err, self.read_subscription, subscription_id)
            if current.value.renewalStatus is value:
                return current
            raise err from None
        if reply.body is None:  # some gateways answer 204: read the result back
            return await self.read_subscription(subscription_id)
        return Answered(self._parse(Subscription, reply, reply.body), reply.correlation_id)

    # -- orders ---------------------------------------------------------------------

    def iter_orders(
        self,
        subscription_id: str | None = None,
        customer_id: str | None = None,
        status: str | None = None,
        status_code: str | None = None,
        *,
        invalid: list[InvalidItem] | None = None,
    ) -> AsyncIterator[Order]:
        """Orders matching the filters. With ``subscription_id``, an item that carries
        another subscriptionId is dropped: the server ignored the filter, and it is not
        that subscription's (an item without one is kept; see ``ownership.py``)."""
        query = _query(
            subscriptionId=subscription_id,
            customerId=customer_id,
            status=status,
            statusCode=status_code,
        )
        return self._orders(query, subscription_id, invalid)

    def _orders(
        self,
        query: dict[str, str | int],
        subscription_id: str | None,
        invalid: list[InvalidItem] | None,
        on_reply: Callable[[Reply], None] | None = None,
    ) -> AsyncIterator[Order]:
        pages = self._pager(ORDERS_PATH, Order, "order", query, on_reply)
        items = self._valid(pages, Order, ORDERS_PATH, invalid)
        if subscription_id is None:
            return items
        return self._only_of(items, subscription_id)

    @staticmethod
    async def _only_of(items: AsyncIterator[Order], subscription_id: str) -> AsyncIterator[Order]:
        async for order in items:
            if order.subscriptionId not in (None, subscription_id):
                log.debug(
                    "order %s listed for subscription %s belongs to %s; ignored",
                    order.id,
                    subscription_id,
                    order.subscriptionId,
                )
                continue
            yield order

    async def order_set(self, subscription_id: str) -> OrderSet:
        """Every order of one subscription (all statuses), foreign ones dropped."""
        invalid: list[InvalidItem] = []
        answers: list[str | None] = []
        listing = self._orders(
            _query(subscriptionId=subscription_id),
            subscription_id,
            invalid,
            lambda reply: answers.append(reply.correlation_id),
        )
        orders = tuple([o async for o in listing])
        mine = [i for i in invalid if i.subscriptionId in (None, subscription_id)]
        return OrderSet(
            orders,
            frozenset(i.id for i in mine if i.id is not None),
            sum(1 for i in mine if i.id is None),
            answers[-1] if answers else None,
        )

    async def complete(self, orders: list[Order], *, concurrency: int = 4) -> list[Order]:
        """Each order replaced by ``GET /orders/{id}`` (bounded concurrency): for list
        items that lack ``subscriptionId`` or ``attributes`` (1.15 list items)."""
        done: list[Order | None] = [None] * len(orders)
        limiter = anyio.CapacityLimiter(max(1, concurrency))

        async def one(index: int, order: Order) -> None:
            async with limiter:
                done[index] = await self.get_order(order.id)

        async with anyio.create_task_group() as tg:
            for index, order in enumerate(orders):
                tg.start_soon(one, index, order)
        return [o for o in done if o is not None]

    async def get_order(self, order_id: str) -> Order:
        return (await self.read_order(order_id)).value

    async def read_order(self, order_id: str) -> Answered[Order]:
        """``get_order`` with the correlation id of its answer."""
        path = f"{ORDERS_PATH}/{_segment(order_id)}"
        reply = await self._idempotent("GET", ORDERS_PATH + "/{id}", path)
        return Answered(self._parse(Order, reply, reply.body), reply.correlation_id)

    async def _check_owner(
        self, order_id: str, owner: OrderOwner | None, known: Order | None
    ) -> None:
        """Refuse to touch an order that is not provably ``owner``'s (issue 16)."""
        if owner is None:
            return
        order = known if known is not None and known.id == order_id else None
        if order is None or needs_detail(order, owner):
            order = await self.get_order(order_id)
        problem = ownership_problem(order, owner)
        if problem is not None:
            raise ApiProtocolError(
                f"{problem}; nothing written",
                method="PATCH",
                path=ORDERS_PATH + "/{id}",
            )

    async def _set_order_code(
        self,
        order_id: str,
        code: str,
        reached: Callable[[Order], bool],
        owner: OrderOwner | None,
        known: Order | None,
    ) -> Answered[Order]:
        await self._check_owner(order_id, owner, known)
        path = f"{ORDERS_PATH}/{_segment(order_id)}"
        try:
            reply = await self._idempotent(
                "PATCH", ORDERS_PATH + "/{id}", path, body={"statusCode": code}
            )
        except (ApiClientError, ApiServerError, ApiUnavailable) as err:
            if isinstance(err, NotFound | Unauthorized):
                raise
            # A retried PATCH whose first attempt committed is refused as a bad
            # transition, and retries can run out while the write did land: if the order
            # already is where we wanted it, that is success.
            current = await self._reread_after(err, self.read_order, order_id)
            if reached(current.value):
                return current
            raise err from None
        if reply.body is None:
            return await self.read_order(order_id)
        return Answered(self._parse(Order, reply, reply.body), reply.correlation_id)

    async def approve_order(
        self, order_id: str, *, owner: OrderOwner | None = None, known: Order | None = None
    ) -> Answered[Order]:
        """``PATCH statusCode=AP``: approve a pending (PA) order. With ``owner``, the
        order is first proven to be that subscription's, of that type and customer
        (``known`` is a copy already read; ``GET /orders/{id}`` when it lacks a value)."""
        return await self._set_order_code(order_id, CODE_APPROVED, approval_reached, owner, known)

    async def withdraw_order(
        self, order_id: str, *, owner: OrderOwner | None = None, known: Order | None = None
    ) -> Answered[Order]:
        """``PATCH statusCode=CL``: withdraw a not-yet-completed order (``owner``: as
        ``approve_order``)."""
        return await self._set_order_code(
            order_id, CODE_WITHDRAWN, withdrawal_reached, owner, known
        )

    async def estimate_renewal(self, customer_id: str, subscription_id: str) -> Money:
        """Price of one renewal term; nothing is created, so it retries like a GET."""
        body = {
            "type": OrderType.RENEWAL.value,
            "customerId": customer_id,
            "subscriptionId": subscription_id,
        }
        reply = await self._idempotent("POST", ESTIMATE_PATH, ESTIMATE_PATH, body=body)
        order = self._parse(Estimate, reply, reply.body)
        if order.total is None:
            raise protocol_error(
                "estimate has no total",
                method="POST",
                path=ESTIMATE_PATH,
                status=reply.status,
                correlation_id=reply.correlation_id,
            )
        return order.total

    async def place_order(
        self,
        order_type: OrderType | str,
        *,
        customer_id: str,
        subscription_id: str,
        attributes: Mapping[str, str],
        request_id: str | None = None,
        baseline: Baseline | None = None,
    ) -> PlaceResult:
        """Place a renewal or cancellation at most once; see ``ordering.py``.

        ``request_id`` (from ``new_request_id``) lets the caller record it before the
        POST is sent, so a run killed mid-placement can still be joined to its order.
        """
        order_type = OrderType(order_type)
        if order_type not in (OrderType.RENEWAL, OrderType.CANCELLATION):
            raise ValueError(f"subctl places renewal and cancellation orders, not {order_type}")
        if ATTR_REQUEST_ID in attributes:
            raise ValueError(f"attribute {ATTR_REQUEST_ID!r} is set by the client")
        if order_type is OrderType.CANCELLATION and not attributes.get(ATTR_CANCELLATION_REASON):
            raise ValueError(f"a cancellation needs the {ATTR_CANCELLATION_REASON!r} attribute")
        return await self._placer.place(
            order_type,
            customer_id=customer_id,
            subscription_id=subscription_id,
            attributes=dict(attributes),
            request_id=request_id or self._request_ids(),
            baseline=baseline,
        )

    def new_request_id(self) -> str:
        """A fresh ``requestId`` for one order placement (see ``place_order``)."""
        return self._request_ids()
