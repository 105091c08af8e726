"""Observe: read the live state a plan needs, with as few calls as the API allows.

Sits between the marketplace client and the pure planner. One pass over the
subscription pages and the open/failed order pages (never a GET per subscription).
As each declared subscription arrives (once the order listings are in), the planner's
draft of its steps tells whether it needs a renewal price or its withdrawn cancellation
history; those few reads start at once, alongside the remaining pages, and the final
plan is computed when everything is in.
Call count: token + subscription pages + order pages (submitted, processing, error)
+ one estimate per subscription to renew + one history look-up per cancellation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace

from controller.errors import ApiError
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import Money, Order, OrderStatus, OrderType, Subscription
from controller.plan.inputs import LiveState, PlanOptions
from controller.plan.model import Action, Plan
from controller.plan.planner import draft_steps, make_plan
from controller.spec.models import DesiredState
from controller.taskgroups import task_group

# Open orders are the ones a plan acts on; failed ones block a new cancellation.
_ORDER_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.PROCESSING, OrderStatus.ERROR)
_STAGE = {
    OrderStatus.SUBMITTED: 0,
    OrderStatus.PROCESSING: 1,
    OrderStatus.ERROR: 2,
    OrderStatus.COMPLETED: 2,
    OrderStatus.CANCELLED: 2,
}


Lookahead = Callable[[Subscription, tuple[Order, ...]], None]


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
    wanted = frozenset(ids)
    subs: dict[str, Subscription] = {}
    orders: dict[str, dict[str, Order]] = {}
    unmanaged = 0
    renewing: list[Subscription] = []
    horizon = options.now.date() + dt.timedelta(days=options.warn_days)

    queued: list[Subscription] = []  # seen before the order listings were complete
    orders_read = False

    def ready(sub: Subscription) -> None:
        if lookahead is None:
            return
        if orders_read:
            lookahead(sub, tuple(orders.get(sub.id, {}).values()))
        else:
            queued.append(sub)

    async def read_subscriptions() -> None:
        nonlocal unmanaged
        async for sub in client.iter_subscriptions():
            if sub.id in wanted:
                subs[sub.id] = sub
                ready(sub)
                continue
            unmanaged += 1
            day = sub.renewalDate or sub.expirationDate
            if sub.renewalStatus and day is not None and day <= horizon:
                renewing.append(sub)

    stuck_before = options.now - options.stuck_after
    stuck_by_id: dict[str, Order] = {}  # keyed: an order may appear in two listings

    async def read_orders(status: OrderStatus) -> None:
        async for order in client.iter_orders(status=status.value):
            if order.subscriptionId in wanted:
                seen = orders.setdefault(order.subscriptionId, {})
                # An order that moved on between two of these listings (submitted, then
                # processing) is read twice: keep one, the later in its life.
                other = seen.get(order.id)
                if other is None or _STAGE[order.status] >= _STAGE[other.status]:
                    seen[order.id] = order
            elif order.is_open and order.creationDate and order.creationDate < stuck_before:
                stuck_by_id[order.id] = order  # "any open order" is flagged, managed or not

    async def read_all_orders() -> None:
        nonlocal orders_read
        async with task_group() as tg:
            for status in _ORDER_STATUSES:
                tg.start_soon(read_orders, status)
        orders_read = True
        for sub in queued:
            ready(sub)
        queued.clear()

    async with task_group() as tg:
        tg.start_soon(read_subscriptions)
        tg.start_soon(read_all_orders)
    return LiveState(
        subscriptions=subs,
        orders={k: tuple(v.values()) for k, v in orders.items()},
        unmanaged_count=unmanaged,
        unmanaged_renewing=tuple(renewing),
        unmanaged_stuck=tuple(stuck_by_id.values()),
    )


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
        try:
            history[sub_id] = [
                o
                async for o in client.iter_orders(
                    subscription_id=sub_id, status=OrderStatus.CANCELLED.value
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
            for step in draft_steps(declared, sub, orders, options):
                if step.action is Action.RENEW:
                    tg.start_soon(price, sub.id, step.customerId)
                elif step.action is Action.CANCEL:
                    tg.start_soon(withdrawn, sub.id)

        live = await collect_live(
            client, (d.id for d in desired.subscriptions), options, lookahead=lookahead
        )
    merged = {k: v + tuple(history.get(k, ())) for k, v in live.orders.items()}
    for sub_id, past in history.items():
        merged.setdefault(sub_id, tuple(past))
    complete = replace(live, orders=merged, estimates=estimates, unreadable=unreadable)
    return make_plan(desired, complete, options)
