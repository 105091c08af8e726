"""``apply --wait``: follow approved cancellation orders until the vendor completes them.

Only orders subctl approved (in this run, or earlier ones the plan found waiting for
the vendor and placed by subctl) are followed; orders awaiting manual approval are
reported, never waited for. Time and sleep are injected so tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable

import anyio

from controller.errors import ApiError
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import Order, OrderStatus

Sleep = Callable[[float], Awaitable[None]]


async def wait_for_vendor(
    client: MarketplaceClient,
    order_ids: Iterable[str],
    deadline_seconds: float,
    *,
    poll_interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Sleep = anyio.sleep,
    on_done: Callable[[Order], None] | None = None,
) -> list[tuple[str, Order | None]]:
    """Poll until every order left ``processing`` or ``deadline_seconds`` passed.

    Returns the orders still open at the deadline, with their last reading (None if
    no read succeeded); empty when all finished.
    """
    pending = list(dict.fromkeys(order_ids))
    deadline = clock() + deadline_seconds
    last: dict[str, Order] = {}
    while pending:
        still: list[str] = []
        for order_id in pending:
            try:
                order = await client.get_order(order_id)
            except ApiError:
                still.append(order_id)  # a failed read is not a verdict: ask again
                continue
            last[order_id] = order
            if order.status in (OrderStatus.SUBMITTED, OrderStatus.PROCESSING):
                still.append(order_id)
            elif on_done is not None:
                on_done(order)
        pending = still
        remaining = deadline - clock()
        if not pending or remaining <= 0:
            break
        await sleep(min(poll_interval, remaining))
    return [(order_id, last.get(order_id)) for order_id in pending]
