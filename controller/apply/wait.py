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
# Seconds the first round of polls may take when the deadline is already (nearly) gone.
_FIRST_ROUND_FLOOR = 1.0


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

    Ends within ``deadline_seconds`` (at least one second for the first round) whatever
    the server does: the polls of one round run concurrently and are cancelled at the
    deadline.

    Returns the orders still open at the deadline, with their last reading (None if
    no read succeeded); empty when all finished.
    """
    pending = list(dict.fromkeys(order_ids))
    deadline = clock() + deadline_seconds
    last: dict[str, Order] = {}
    done: set[str] = set()

    async def poll(order_id: str) -> None:
        try:
            order = await client.get_order(order_id)
        except ApiError:
            return  # a failed read is not a verdict: ask again
        last[order_id] = order
        if order.status not in (OrderStatus.SUBMITTED, OrderStatus.PROCESSING):
            done.add(order_id)
            if on_done is not None:
                on_done(order)

    first = True
    while pending:
        remaining = deadline - clock()
        if remaining <= 0 and not first:
            break
        first = False

        # Every followed order is polled at once, and the round (retries included) is cut
        # at the deadline: a slow or dripping server cannot stretch --wait D past D.
        # The first round gets a moment even for --wait 0, so it reads each order once.
        with anyio.move_on_after(max(remaining, _FIRST_ROUND_FLOOR)):
            async with anyio.create_task_group() as group:
                for order_id in pending:
                    group.start_soon(poll, order_id)
        pending = [order_id for order_id in pending if order_id not in done]
        remaining = deadline - clock()
        if not pending or remaining <= 0:
            break
        await sleep(min(poll_interval, remaining))
    return [(order_id, last.get(order_id)) for order_id in pending]
