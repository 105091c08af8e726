"""Observe: read the live state a plan needs, with as few calls as the API allows.

Sits between the marketplace client and the pure planner. One pass over the
subscription pages and the open/failed order pages (never a GET per subscription).
As each declared subscription arrives (once the order listings are in), the planner's
own rules (``plan/reads.py``) tell whether it needs a renewal price or its withdrawn
cancellation history; those few reads start at once, alongside the remaining pages, and
the plan is computed once, when everything is in.
Call count: token + subscription pages + order pages (submitted, processing, error)
+ one estimate per subscription to renew + one history look-up per cancellation
+ one ``GET /orders/{id}`` per open/failed order whose list item does not say its
subscription (1.15 ``Order`` list items carry no ``subscriptionId``) or, for an open
renewal or cancellation of a declared subscription, lacks its ``attributes``.

Every item is validated on its own: one that does not fit the live models is an
error for its subscription (declared: UNREADABLE in the plan; undeclared: counted
unmanaged, with a warning), or a plan warning when it has no usable id. It never fails
the listing or the plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace

import anyio

from controller.errors import ApiError
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import (
    InvalidItem,
    Money,
    Order,
    OrderStatus,
    OrderType,
    Subscription,
)
from controller.plan.inputs import LiveState, PlanOptions
from controller.plan.model import Plan
from controller.plan.planner import make_plan
from controller.plan.reads import ExtraRead, extra_read
from controller.spec.models import DesiredState
from controller.taskgroups import task_group

# Open orders are the ones a plan acts on; failed ones block a new cancellation.
_ORDER_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.PROCESSING, OrderStatus.ERROR)
_STAGE: dict[OrderStatus | None, int] = {
    None: 0,
    OrderStatus.SUBMITTED: 0,
    OrderStatus.PROCESSING: 1,
    OrderStatus.ERROR: 2,
    OrderStatus.COMPLETED: 2,
    OrderStatus.CANCELLED: 2,
}


Lookahead = Callable[[Subscription, tuple[Order, ...]], None]


class _Observation:
    """The live state being collected by ``collect_live`` (one per plan)."""

    def __init__(
        self,
        client: MarketplaceClient,
        wanted: frozenset[str],
        options: PlanOptions,
        lookahead: Lookahead | None,
    ) -> None:
        self.client = client
        self.wanted = wanted
        self.lookahead = lookahead
        self.subs: dict[str, Subscription] = {}
        self.orders: dict[str, dict[str, Order]] = {}
        self.unmanaged = 0
        self.renewing: list[Subscription] = []
        self.horizon = options.now.date() + dt.timedelta(days=options.warn_days)
        self.stuck_before = options.now - options.stuck_after
        self.stuck_by_id: dict[str, Order] = {}  # keyed: an order may be in two listings
        self.queued: list[Subscription] = []  # seen before the order listings were complete
        self.orders_read = False
        self.unreadable: dict[str, str] = {}  # declared id -> why its live data is unusable
        self.notes: list[tuple[str | None, str]] = []  # plan warnings: (id, message)
        self.incomplete: dict[str, Order] = {}  # list items to complete: GET /orders/{id}
        self.bad_orders: list[InvalidItem] = []

    def ready(self, sub: Subscription) -> None:
        if self.lookahead is None:
            return
        if self.orders_read:
            self.lookahead(sub, tuple(self.orders.get(sub.id, {}).values()))
        else:
            self.queued.append(sub)

    async def read_subscriptions(self) -> None:
        invalid: list[InvalidItem] = []
        async for sub in self.client.iter_subscriptions(invalid=invalid):
            if sub.id in self.wanted:
                self.subs[sub.id] = sub
                self.ready(sub)
                continue
            self.unmanaged += 1
            day = sub.renewalDate or sub.expirationDate
            if sub.renewalStatus and day is not None and day <= self.horizon:
                self.renewing.append(sub)
        for item in invalid:
            if item.id is None:
                self.notes.append((None, f"a listed subscription has no usable id ({item.reason})"))
            elif item.id in self.wanted:
                self.unreadable[item.id] = f"live value invalid: {item.reason}"
            else:
                self.unmanaged += 1
                self.notes.append(
                    (item.id, f"unmanaged subscription: live value invalid: {item.reason}")
                )

    def attribute(self, order: Order) -> None:
        sid = order.subscriptionId
        if sid is not None and sid in self.wanted:
            seen = self.orders.setdefault(sid, {})
            # An order that moved on between two of these listings (submitted, then
            # processing) is read twice: keep one, the later in its life.
            other = seen.get(order.id)
            if other is None or _STAGE[order.status] >= _STAGE[other.status]:
                seen[order.id] = order
        elif sid is None:
            name = order.display_name
            self.notes.append((None, f"open or failed order {name} names no subscription"))
        elif order.is_open and order.creationDate and order.creationDate < self.stuck_before:
            self.stuck_by_id[order.id] = order  # "any open order" is flagged, managed or not

    def needs_detail(self, order: Order) -> bool:
        """A 1.15 list item without its subscription, or an open renewal/cancellation
        of a declared subscription without its attributes (who placed it)."""
        if order.subscriptionId is None:
            return True
        return (
            order.subscriptionId in self.wanted
            and order.type in (OrderType.CANCELLATION, OrderType.RENEWAL)
            and order.is_open
            and not order.attributes
        )

    async def read_orders(self, status: OrderStatus) -> None:
        async for order in self.client.iter_orders(status=status.value, invalid=self.bad_orders):
            if self.needs_detail(order):
                self.incomplete[order.id] = order
            else:
                self.attribute(order)

    async def complete(self, order_id: str, limiter: anyio.CapacityLimiter) -> None:
        try:
            async with limiter:
                order = await self.client.get_order(order_id)
        except ApiError as err:
            sid = self.incomplete[order_id].subscriptionId
            if sid is not None and sid in self.wanted:
                self.unreadable[sid] = f"order {order_id}: {err}"
            else:
                self.notes.append((sid, f"open or failed order {order_id} unreadable: {err}"))
            return
        self.attribute(order)

    def sort_bad_orders(self) -> None:
        for item in self.bad_orders:
            sid = item.subscriptionId
            if sid is not None and sid in self.wanted:
                self.unreadable[sid] = f"order {item.id}: live value invalid: {item.reason}"
            elif sid is None and item.id is not None:
                # Maybe its full copy reads: whose it is decides where the error goes.
                self.incomplete.setdefault(item.id, _placeholder(item))
            else:
                self.notes.append((sid, f"an open or failed order is unreadable: {item.reason}"))

    async def read_all_orders(self) -> None:
        async with task_group() as tg:
            for status in _ORDER_STATUSES:
                tg.start_soon(self.read_orders, status)
        self.sort_bad_orders()
        # Only open and failed orders are listed, so these are few; read a few at a time.
        limiter = anyio.CapacityLimiter(4)
        async with task_group() as tg:
            for order_id in list(self.incomplete):
                tg.start_soon(self.complete, order_id, limiter)
        self.orders_read = True
        for sub in self.queued:
            self.ready(sub)
        self.queued.clear()

    def live_state(self) -> LiveState:
        return LiveState(
            subscriptions=self.subs,
            orders={k: tuple(v.values()) for k, v in self.orders.items()},
            unmanaged_count=self.unmanaged,
            unmanaged_renewing=tuple(self.renewing),
            unmanaged_stuck=tuple(self.stuck_by_id.values()),
            unreadable=self.unreadable,
            notes=tuple(self.notes),
        )


async def collect_live(
    client: MarketplaceClient,
    ids: Iterable[str],
    options: PlanOptions,
    *,
    lookahead: Lookahead | None = None,
) -> LiveState:
    """Subscriptions and open/failed orders of ``ids``; others are counted as unmanaged.

    ``lookahead(sub, orders)`` is called once for each wanted subscription as soon as
    it and all the open/failed order listings are in, while the remaining subscription
    pages are still being read."""
    seen = _Observation(client, frozenset(ids), options, lookahead)
    async with task_group() as tg:
        tg.start_soon(seen.read_subscriptions)
        tg.start_soon(seen.read_all_orders)
    return seen.live_state()


def _placeholder(item: InvalidItem) -> Order:
    """A stand-in for an unreadable list item with an id, until ``GET /orders/{id}``."""
    assert item.id is not None
    return Order(id=item.id, type=OrderType.UNKNOWN)


async def observe_and_plan(
    client: MarketplaceClient, desired: DesiredState, options: PlanOptions
) -> Plan:
    # Only a subscription with renewThrough can renew and only a cancelled one can
    # cancel; those need one more read each (the renewal price, the withdrawn
    # cancellations). Each is started as soon as the subscription and its orders are
    # known, while the other pages are still read, rather than after the whole listing:
    # at a real marketplace's latency that saves several round trips per plan.
    candidates = {
        d.id: d
        for d in desired.subscriptions
        if d.renewThrough is not None or d.state == "cancelled"
    }
    estimates: dict[str, Money] = {}
    history: dict[str, list[Order]] = {}
    unreadable: dict[str, str] = {}

    # One subscription's failed read (after the client's retries) is that
    # subscription's error, not the run's: the others are still planned (section 5).
    async def price(sub_id: str, customer_id: str) -> None:
        try:
            estimates[sub_id] = await client.estimate_renewal(customer_id, sub_id)
        except ApiError as err:
            unreadable[sub_id] = f"renewal price: {err}"

    async def withdrawn(sub_id: str) -> None:
        # History only names withdrawn orders in the plan: an unreadable one is skipped.
        skipped: list[InvalidItem] = []
        try:
            history[sub_id] = [
                o
                async for o in client.iter_orders(
                    subscription_id=sub_id, status=OrderStatus.CANCELLED.value, invalid=skipped
                )
                if o.type is OrderType.CANCELLATION
            ]
        except ApiError as err:
            unreadable[sub_id] = f"cancellation history: {err}"

    async with task_group() as tg:

        def lookahead(sub: Subscription, orders: tuple[Order, ...]) -> None:
            declared = candidates.pop(sub.id, None)  # pop: one look-up per subscription
            if declared is None:
                return
            read = extra_read(declared, sub, orders)
            if read is ExtraRead.PRICE:
                tg.start_soon(price, sub.id, sub.customerId or "")
            elif read is ExtraRead.HISTORY:
                tg.start_soon(withdrawn, sub.id)

        live = await collect_live(
            client, (d.id for d in desired.subscriptions), options, lookahead=lookahead
        )
    merged = {k: v + tuple(history.get(k, ())) for k, v in live.orders.items()}
    for sub_id, past in history.items():
        merged.setdefault(sub_id, tuple(past))
    complete = replace(
        live, orders=merged, estimates=estimates, unreadable={**live.unreadable, **unreadable}
    )
    return make_plan(desired, complete, options)
