"""Offset/limit paging for list calls, a bounded window of pages in memory at a time.

Used by the client's ``iter_subscriptions``/``iter_orders``. A pass reads the page at
offset 0 first. When that page tells ``pagination.total``, the other offsets
(``n, 2n, ...`` below the total, ``n`` the limit the server applied) are known at once,
so they are fetched ``window`` at a time, concurrently (the client's ``Limits`` still
bound what is in flight and the request rate); each page's items are parsed as soon as
it arrives, while the server works on the others, and yielded in offset order once
the window is in. Without a ``pagination`` block the pass walks one page
after another instead. A pass stops at ``pagination.total``, or at an empty page, or
at a page shorter than the limit the server applied (the server may cap ``limit``, so
the ``pagination.limit`` it echoes is what counts, not the one we asked for). A stable
list of ``total`` items therefore costs exactly ``ceil(total / limit)`` list calls (one
when it is empty).

Lists change while we walk them. An item inserted before our offset shifts the rest
forward (we would see one twice); an item removed shifts them back (we would miss
one). So every item is yielded at most once (ids seen are remembered, only ids), and
if ``pagination.total`` changed during a pass, another pass is made from offset 0
that yields only unseen items, until a pass sees one stable total (at most
``max_passes``). Items that existed for the whole listing are therefore never missed.
(A total that grew after the first page also means offsets beyond the first total
were not read: the next pass reads them.)

Bounds (a misbehaving server must not keep us reading forever): a ``pagination.total``
above ``max_total`` (or negative) is implausible; a page that brings no item not seen
before while the pass is not over (the server ignores ``offset``) ends the listing; a
pass reads at most ``max_total / limit + 1`` pages. Each is an ``ApiProtocolError``
naming what the server did.

No task group is open while an item is yielded: a window is fetched completely, then
yielded, so a consumer that stops early (``aclose``) leaves nothing running.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anyio

from controller.errors import ApiProtocolError
from controller.marketplace.errors_map import parse_model, protocol_error
from controller.marketplace.exchange import Reply
from controller.marketplace.models import Pagination

log = logging.getLogger("subctl.api")

T = TypeVar("T")

FetchPage = Callable[[int, int], Awaitable[Reply]]

DEFAULT_MAX_TOTAL = 1_000_000


def _page(reply: Reply, max_total: int) -> tuple[list[object], Pagination | None]:
    where = reply.where
    body = reply.body
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise protocol_error("list response has no 'data' array", **where)
    raw_pagination = body.get("pagination")
    pagination = (
        None if raw_pagination is None else parse_model(Pagination, raw_pagination, **where)
    )
    if pagination is not None and pagination.total > max_total:
        raise protocol_error(
            f"implausible list total {pagination.total} (more than {max_total}); listing stopped",
            **where,
        )
    return body["data"], pagination


def _applied(pagination: Pagination | None, page_size: int) -> int:
    """The limit the server applied: ours, unless it echoes a smaller one."""
    if pagination is not None and 0 < pagination.limit < page_size:
        return pagination.limit
    return page_size


@dataclass(frozen=True)
class _Page(Generic[T]):
    items: list[T]  # every item the server sent, parsed, in page order (duplicates kept)
    pagination: Pagination | None
    reply: Reply

    @property
    def size(self) -> int:
        return len(self.items)


def _last(page: _Page[Any], end: int, page_size: int) -> bool:
    """Whether ``page``, which ended at offset ``end``, is the last of its pass."""
    if not page.size or page.size < _applied(page.pagination, page_size):
        return True
    return page.pagination is not None and end >= page.pagination.total


async def _fetch_window(
    fetch: FetchPage, offsets: list[int], limit: int, prepare: Callable[[Reply], _Page[T]]
) -> list[_Page[T]]:
    """The pages at ``offsets``, fetched concurrently and parsed as each one arrives (so
    parsing overlaps the server's work on the others), in order. The first failure
    cancels the others and is raised as it is (not wrapped in an exception group)."""
    pages: list[_Page[T] | None] = [None] * len(offsets)
    failures: list[Exception] = []

    async with anyio.create_task_group() as tg:

        async def one(index: int, offset: int) -> None:
            try:
                pages[index] = prepare(await fetch(offset, limit))
            except Exception as err:
                failures.append(err)
                tg.cancel_scope.cancel()

        for index, offset in enumerate(offsets):
            tg.start_soon(one, index, offset)
    if failures:
        raise failures[0]
    return [p for p in pages if p is not None]


def _stuck(reply: Reply, offset: int) -> ApiProtocolError:
    return protocol_error(
        f"paging stopped: the page at offset {offset} brought nothing new although the "
        "list total says more remain (does the server ignore 'offset'?)",
        **reply.where,
    )


def _windows(start: int, stop: int, step: int, size: int) -> Iterator[list[int]]:
    offsets = range(start, stop, step)
    for first in range(0, len(offsets), size):
        yield list(offsets[first : first + size])


async def iter_items(
    fetch: FetchPage,
    parse: Callable[[object, Reply], T],
    key: Callable[[T], str],
    page_size: int,
    *,
    max_passes: int = 3,
    window: int = 1,
    max_total: int = DEFAULT_MAX_TOTAL,
) -> AsyncIterator[T]:
    """Yield every item of a paged listing once. ``fetch(offset, limit)`` gets one page.

    ``window``: how many pages after the first may be fetched concurrently (1: one
    after another). ``max_total``: the largest ``pagination.total`` believed.
    """
    seen: set[str] = set()

    def prepare(reply: Reply) -> _Page[T]:
        data, pagination = _page(reply, max_total)
        return _Page([parse(raw, reply) for raw in data], pagination, reply)

    def fresh(page: _Page[T], first_total: int | None, offset: int, check: bool) -> list[T]:
        new: list[T] = []
        for item in page.items:
            item_key = key(item)
            if item_key not in seen:
                seen.add(item_key)
                new.append(item)
        # Only the first pass: a re-check pass sees mostly known items by design.
        if check and page.items and not new and offset > 0:
            same_total = page.pagination is None or page.pagination.total == first_total
            if same_total and not _last(page, offset + page.size, page_size):
                # Nothing new while more should remain: the server ignores ``offset``
                # (a real one once cost 5,185 GETs in 35 s). A list that changed under
                # us changes its total too, and is read again instead.
                raise _stuck(page.reply, offset)
        return new

    for pass_number in range(1, max_passes + 1):
        totals: set[int] = set()
        page = prepare(await fetch(0, page_size))
        first = page.pagination
        first_total = first.total if first is not None else None
        for item in fresh(page, first_total, 0, pass_number == 1):
            yield item
        offset = page.size
        if first is not None:
            totals.add(first.total)
        done = _last(page, offset, page_size)
        step = _applied(first, page_size)
        max_pages = max_total // step + 2
        if not done and first is not None and window > 1:
            # The first page told the total: read the rest a window at a time.
            for offsets in _windows(step, first.total, step, window):
                pages = await _fetch_window(fetch, offsets, page_size, prepare)
                for page_offset, page in zip(offsets, pages, strict=True):
                    for item in fresh(page, first_total, page_offset, pass_number == 1):
                        yield item
                    if page.pagination is not None:
                        totals.add(page.pagination.total)
                    done = done or _last(page, page_offset + page.size, page_size)
                if done:
                    break
        else:
            pages_read = 1
            while not done:
                if pages_read >= max_pages:
                    raise _stuck(page.reply, offset)
                page = prepare(await fetch(offset, page_size))
                pages_read += 1
                for item in fresh(page, first_total, offset, pass_number == 1):
                    yield item
                offset += page.size
                if page.pagination is not None:
                    totals.add(page.pagination.total)
                done = _last(page, offset, page_size)
        if len(totals) <= 1:
            return
        log.debug("list total changed during pass %d (%s); reading again", pass_number, totals)
    log.warning("list kept changing during %d passes; some new items may be missing", max_passes)
