"""``MarketplaceClient``: the typed async API subset subctl uses (DESIGN.md section 4).

Top of the client pipeline, used by observe (listings), plan (estimates) and apply
(writes); the front of the modules that do the work:

    MarketplaceClient -> reads.py (GETs, listings), writes.py (PATCHes),
                         ordering.py (POST /orders)
        -> RetryPolicy (idempotent calls only) -> Authenticator
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
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping

import anyio
import httpx

from controller.marketplace.auth import Authenticator
from controller.marketplace.conventions import (
    ATTR_CANCELLATION_REASON,
    ATTR_REQUEST_ID,
    CODE_APPROVED,
    CODE_WITHDRAWN,
    approval_reached,
    withdrawal_reached,
)
from controller.marketplace.errors_map import protocol_error
from controller.marketplace.exchange import Answered, CallCounter, Exchange
from controller.marketplace.limits import Clock, Limits, Sleep
from controller.marketplace.models import (
    Estimate,
    InvalidItem,
    Money,
    Order,
    OrderType,
    Subscription,
)
from controller.marketplace.ordering import (
    Baseline,
    OrderPlacer,
    OrderSet,
    PlaceOutcome,
    PlaceResult,
)
from controller.marketplace.ownership import OrderOwner
from controller.marketplace.reads import Reads, query
from controller.marketplace.retry import RetryPolicy
from controller.marketplace.settings import ApiSettings
from controller.marketplace.writes import Writes

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
        self._reads = Reads(self.auth, self.retry, settings)
        self._writes = Writes(self._reads)
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
        return self._reads.subscriptions(query(customerId=customer_id, status=status), invalid)

    async def _expiry_of(self, subscription_id: str) -> dt.date | None:
        return (await self.get_subscription(subscription_id)).expirationDate

    async def get_subscription(self, subscription_id: str) -> Subscription:
        return (await self._reads.subscription(subscription_id)).value

    async def read_subscription(self, subscription_id: str) -> Answered[Subscription]:
        """``get_subscription`` with the correlation id of its answer."""
        return await self._reads.subscription(subscription_id)

    async def set_auto_renew(self, subscription_id: str, value: bool) -> Answered[Subscription]:
        """``PATCH renewalStatus``: an absolute value, so retrying it is safe."""
        return await self._writes.set_auto_renew(subscription_id, value)

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
        filters = query(
            subscriptionId=subscription_id,
            customerId=customer_id,
            status=status,
            statusCode=status_code,
        )
        return self._reads.orders(filters, subscription_id, invalid)

    async def order_set(self, subscription_id: str) -> OrderSet:
        """Every order of one subscription (all statuses), foreign ones dropped."""
        return await self._reads.order_set(subscription_id)

    async def complete(self, orders: list[Order], *, concurrency: int = 4) -> list[Order]:
        """Each order replaced by ``GET /orders/{id}`` (bounded concurrency): for list
        items that lack ``subscriptionId`` or ``attributes`` (1.15 list items)."""
        return await self._reads.complete(orders, concurrency)

    async def get_order(self, order_id: str) -> Order:
        return (await self._reads.order(order_id)).value

    async def read_order(self, order_id: str) -> Answered[Order]:
        """``get_order`` with the correlation id of its answer."""
        return await self._reads.order(order_id)

    async def approve_order(
        self, order_id: str, *, owner: OrderOwner | None = None, known: Order | None = None
    ) -> Answered[Order]:
        """``PATCH statusCode=AP``: approve a pending (PA) order. With ``owner``, the
        order is first proven to be that subscription's, of that type and customer
        (``known`` is a copy already read; ``GET /orders/{id}`` when it lacks a value)."""
        return await self._writes.set_order_code(
            order_id, CODE_APPROVED, approval_reached, owner, known
        )

    async def withdraw_order(
        self, order_id: str, *, owner: OrderOwner | None = None, known: Order | None = None
    ) -> Answered[Order]:
        """``PATCH statusCode=CL``: withdraw a not-yet-completed order (``owner``: as
        ``approve_order``)."""
        return await self._writes.set_order_code(
            order_id, CODE_WITHDRAWN, withdrawal_reached, owner, known
        )

    async def estimate_renewal(self, customer_id: str, subscription_id: str) -> Money:
        """Price of one renewal term; nothing is created, so it retries like a GET."""
        body = {
            "type": OrderType.RENEWAL.value,
            "customerId": customer_id,
            "subscriptionId": subscription_id,
        }
        reply = await self._reads.send("POST", ESTIMATE_PATH, ESTIMATE_PATH, body=body)
        order = reply.parse(Estimate)
        if order.total is None:
            raise protocol_error("estimate has no total", **reply.where)
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
