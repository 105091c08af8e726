"""The client's reads: one entity by id, and listings page by page, validated per item.

Below ``MarketplaceClient`` (``client.py``, the public face), beside its writes
(``writes.py``) and order placement (``ordering.py``):

    Reads.send (RetryPolicy: idempotent calls only) -> Authenticator -> Exchange -> httpx

``send`` is the retried call every idempotent request shares: the GETs here, the
absolute PATCHes of ``writes.py`` and the estimate. A listing goes through ``paging.py``;
one list item that does not fit its model is that item's problem (``InvalidItem``),
not the page's. Every read hands back the correlation id of its answer on request
(``Answered``, ``OrderSet.correlation_id``), for journals and step outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TypeVar
from urllib.parse import quote

import anyio
import pydantic

from controller.marketplace.auth import Authenticator
from controller.marketplace.errors_map import describe_validation, protocol_error
from controller.marketplace.exchange import Answered, Reply
from controller.marketplace.models import InvalidItem, Order, Subscription, adapter
from controller.marketplace.ordering import ORDERS_PATH, OrderSet
from controller.marketplace.paging import iter_items
from controller.marketplace.retry import RetryPolicy
from controller.marketplace.settings import ApiSettings

log = logging.getLogger("subctl.api")

M = TypeVar("M")  # a live model

SUBSCRIPTIONS_PATH = "/subscriptions"

OnReply = Callable[[Reply], None]


def segment(value: str) -> str:
    """An id as one path segment: non-empty, and unable to reach another path."""
    if not value or not value.strip():
        raise ValueError("id must not be empty")
    return quote(value, safe="")


def query(**values: str | None) -> dict[str, str | int]:
    """The query parameters that are set."""
    return {k: v for k, v in values.items() if v is not None}


def _usable(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _item_key(item: object) -> str:
    if isinstance(item, InvalidItem):
        return f"\0invalid\0{item.id or item.reason}"
    return str(getattr(item, "id", ""))


class Reads:
    def __init__(self, auth: Authenticator, retry: RetryPolicy, settings: ApiSettings) -> None:
        self._auth = auth
        self._retry = retry
        self._settings = settings

    def __repr__(self) -> str:
        return f"Reads(base_url={self._settings.base_url!r})"

    async def send(
        self,
        method: str,
        template: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: object = None,
    ) -> Reply:
        """One idempotent call, retried on 5xx/429/no answer by the retry policy."""

        async def once() -> Reply:
            return await self._auth.send(method, template, path, params=params, body=body)

        return await self._retry.call(once)

    async def subscription(self, subscription_id: str) -> Answered[Subscription]:
        path = f"{SUBSCRIPTIONS_PATH}/{segment(subscription_id)}"
        reply = await self.send("GET", SUBSCRIPTIONS_PATH + "/{id}", path)
        return Answered(reply.parse(Subscription), reply.correlation_id)

    async def order(self, order_id: str) -> Answered[Order]:
        path = f"{ORDERS_PATH}/{segment(order_id)}"
        reply = await self.send("GET", ORDERS_PATH + "/{id}", path)
        return Answered(reply.parse(Order), reply.correlation_id)

    def subscriptions(
        self, filters: dict[str, str | int], invalid: list[InvalidItem] | None
    ) -> AsyncIterator[Subscription]:
        items = self._pager(SUBSCRIPTIONS_PATH, Subscription, "subscription", filters)
        return self._valid(items, Subscription, SUBSCRIPTIONS_PATH, invalid)

    def orders(
        self,
        filters: dict[str, str | int],
        subscription_id: str | None,
        invalid: list[InvalidItem] | None,
        on_reply: OnReply | None = None,
    ) -> AsyncIterator[Order]:
        """Orders matching ``filters``; with ``subscription_id``, only that one's."""
        items = self._valid(
            self._pager(ORDERS_PATH, Order, "order", filters, on_reply), Order, ORDERS_PATH, invalid
        )
        if subscription_id is None:
            return items
        return _only_of(items, subscription_id)

    async def order_set(self, subscription_id: str) -> OrderSet:
        invalid: list[InvalidItem] = []
        answers: list[str | None] = []
        listing = self.orders(
            query(subscriptionId=subscription_id),
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

    async def complete(self, orders: list[Order], concurrency: int) -> list[Order]:
        done: list[Order | None] = [None] * len(orders)
        limiter = anyio.CapacityLimiter(max(1, concurrency))

        async def one(index: int, order: Order) -> None:
            async with limiter:
                done[index] = (await self.order(order.id)).value

        async with anyio.create_task_group() as tg:
            for index, order in enumerate(orders):
                tg.start_soon(one, index, order)
        return [o for o in done if o is not None]

    def _pager(
        self,
        path: str,
        model: type[M],
        kind: str,
        filters: dict[str, str | int],
        on_reply: OnReply | None = None,
    ) -> AsyncIterator[M | InvalidItem]:
        async def fetch(offset: int, limit: int) -> Reply:
            params = {**filters, "offset": offset, "limit": limit}
            reply = await self.send("GET", path, path, params=params)
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
            self._settings.page_size,
            # Pages are parsed as they arrive; a window of several times the requests in
            # flight keeps the server busy while earlier pages are parsed (~3,200 items
            # held at most).
            window=4 * self._settings.max_concurrency,
            max_total=self._settings.max_list_total,
        )

    @staticmethod
    async def _valid(
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
