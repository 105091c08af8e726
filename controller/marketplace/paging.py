"""Offset/limit paging for list calls, one page in memory at a time.

Used by the client's ``iter_subscriptions``/``iter_orders``. A pass walks
``offset = 0, n, 2n, ...`` and stops at ``pagination.total``, or at an empty page, or at
a page shorter than the limit the server applied (the server may cap ``limit``, so the
``pagination.limit`` it echoes is what counts, not the one we asked for).

Lists change while we walk them. An item inserted before our offset shifts the rest
forward (we would see one twice); an item removed shifts them back (we would miss
one). So every item is yielded at most once (ids seen are remembered, only ids), and
if ``pagination.total`` changed during a pass, another pass is made from offset 0
that yields only unseen items, until a pass sees one stable total (at most
``max_passes``). Items that existed for the whole listing are therefore never missed.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from controller.marketplace.errors_map import parse_model, protocol_error
from controller.marketplace.exchange import Reply
from controller.marketplace.models import Pagination

log = logging.getLogger("subctl.api")

T = TypeVar("T")

FetchPage = Callable[[int, int], Awaitable[Reply]]


def _page(reply: Reply) -> tuple[list[object], Pagination | None]:
    where: dict[str, Any] = {
        "method": reply.method,
        "path": reply.path,
        "status": reply.status,
        "correlation_id": reply.correlation_id,
    }
    body = reply.body
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise protocol_error("list response has no 'data' array", **where)
    raw_pagination = body.get("pagination")
    pagination = (
        None if raw_pagination is None else parse_model(Pagination, raw_pagination, **where)
    )
    return body["data"], pagination


async def iter_items(
    fetch: FetchPage,
    parse: Callable[[object, Reply], T],
    key: Callable[[T], str],
    page_size: int,
    *,
    max_passes: int = 3,
) -> AsyncIterator[T]:
    """Yield every item of a paged listing once. ``fetch(offset, limit)`` gets one page."""
    seen: set[str] = set()
    for pass_number in range(1, max_passes + 1):
        totals: set[int] = set()
        offset = 0
        while True:
            reply = await fetch(offset, page_size)
            data, pagination = _page(reply)
            for raw in data:
                item = parse(raw, reply)
                item_key = key(item)
                if item_key not in seen:
                    seen.add(item_key)
                    yield item
            offset += len(data)
            if pagination is not None:
                totals.add(pagination.total)
            applied = page_size
            if pagination is not None and 0 < pagination.limit < page_size:
                applied = pagination.limit
            if not data or len(data) < applied:
                break
            if pagination is not None and offset >= pagination.total:
                break
        if len(totals) <= 1:
            return
        log.debug("list total changed during pass %d (%s); reading again", pass_number, totals)
    log.warning("list kept changing during %d passes; some new items may be missing", max_passes)
