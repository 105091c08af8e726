"""``subctl show ID [PATHS...]``: everything about one subscription, read-only.

Beside ``reconcile.py`` in the pipeline: reads the subscription and all its orders (two
calls, plus a renewal estimate when the plan would renew), finds its declaration in
the specs given (if any), and plans it alone with the real planner, so "what the plan
would do" is exactly what ``subctl plan`` says for it. Never writes. Rendering is in
``controller/report/show.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import anyio

from controller.errors import EXIT_OK, ApiError, ControllerError, NotFound
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import Money, OrderStatus, OrderType
from controller.marketplace.settings import ApiSettings
from controller.plan.inputs import LiveState, PlanOptions
from controller.plan.planner import make_plan
from controller.plan.reads import ExtraRead, extra_read
from controller.report.show import ShowData, render_show_json, render_show_text
from controller.revision import spec_revision
from controller.spec.loader import load_specs
from controller.spec.models import DesiredState
from controller.target import describe, open_client

_PLANNED_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.PROCESSING, OrderStatus.ERROR)


async def gather(
    client: MarketplaceClient, sub_id: str, desired: DesiredState | None, options: PlanOptions
) -> ShowData:
    try:
        sub = await client.get_subscription(sub_id)
    except NotFound:
        raise ControllerError(
            f"subscription {sub_id} not found in the marketplace ({options.target})"
        ) from None
    orders = tuple([o async for o in client.iter_orders(subscription_id=sub_id)])
    declared = desired.by_id().get(sub_id) if desired is not None else None
    plan = None
    if declared is not None:
        # The orders the planner sees in a full plan (controller/observe.py): open and
        # failed ones, plus withdrawn cancellations when it would cancel.
        seen = tuple(o for o in orders if o.status in _PLANNED_STATUSES)
        read = extra_read(declared, sub, seen)
        if read is ExtraRead.HISTORY:
            seen += tuple(
                o
                for o in orders
                if o.type is OrderType.CANCELLATION and o.status is OrderStatus.CANCELLED
            )
        estimates: dict[str, Money] = {}
        unreadable: dict[str, str] = {}
        if read is ExtraRead.PRICE:
            try:
                estimates[sub_id] = await client.estimate_renewal(sub.customerId or "", sub_id)
            except ApiError as err:
                unreadable[sub_id] = f"renewal price: {err}"
        live = LiveState(
            subscriptions={sub_id: sub},
            orders={sub_id: seen},
            estimates=estimates,
            unreadable=unreadable,
        )
        plan = make_plan(DesiredState(subscriptions=(declared,)), live, options)
    return ShowData(
        subscription=sub,
        orders=orders,
        declared=declared,
        plan=plan,
        now=options.now,
        target=options.target,
    )


def run_show(
    sub_id: str,
    paths: tuple[str, ...],
    settings: ApiSettings,
    *,
    fmt: str,
    rich: bool,
    width: int | None,
    color: bool,
    echo: Callable[[str], None],
    echo_err: Callable[[str], None],
) -> int:
    desired = load_specs(paths) if paths else None
    options = PlanOptions(
        now=dt.datetime.now(dt.UTC),
        target=describe(settings),
        revision=spec_revision(paths) if paths else None,
    )
    out: list[ShowData] = []

    async def go() -> None:
        async with open_client(settings, announce=echo_err) as client:
            out.append(await gather(client, sub_id, desired, options))

    anyio.run(go)
    data = out[0]
    if fmt == "json":
        echo(render_show_json(data))
        return EXIT_OK
    if not paths:
        echo_err("subctl show: no PATHS given, so the declaration was not looked up")
    echo(render_show_text(data, rich=rich, width=width, color=color))
    return EXIT_OK
