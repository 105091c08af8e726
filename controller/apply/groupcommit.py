"""Group commit for the journal: one worker thread writes the records the executor queues.

Sits between the executor and the journal (``journal.py``). Before sending a write,
an executor task ``await``s its start record; after the outcome, its finish record.
Each is queued, and a worker thread takes everything queued so far as one batch for
``Journal.commit``: records that come at the same moment share one fsync per file,
and the event loop never waits on the disk. A task resumes only once its own record
is durable (or with the error that stopped it), so no write is sent before its start
record is on disk, exactly as when each record was written on its own.

Why not ``anyio.to_thread`` per record: a hop costs a limiter, a cancel scope and a
wake-up of the loop for every record (about a tenth of a millisecond of CPU each, two
per write); here a record is one queue put, and the loop is woken once per batch.

subctl runs on asyncio (see ``marketplace/exchange.py``); the waits are asyncio futures.

``on_line`` (optional) hears every write's journal line once its outcome is recorded
(or failed to be): the executor's ``-v`` log of writes (``writelog.py``) hangs there,
so no write that is journalled can go unlogged.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio

from controller.apply.journal import Journal, JournalError, Record, outcome_line

_STOP = None


@dataclass(frozen=True)
class _Queued:
    record: Record
    waiter: asyncio.Future[BaseException | None]


OnLine = Callable[[Mapping[str, Any]], None]


class GroupCommit:
    def __init__(self, journal: Journal, on_line: OnLine | None = None) -> None:
        self.journal = journal
        self._on_line = on_line
        self._started: dict[int, dict[str, Any]] = {}  # start entries, kept for on_line
        self.batches = 0  # commits made; fewer than records when batches formed
        self._queue: queue.SimpleQueue[_Queued | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(
        self,
        subscription: str,
        action: str,
        order_id: str | None = None,
        *,
        request_id: str | None = None,
    ) -> int:
        """``Journal.start``: returns once the record is durable (the write may go)."""
        record = self.journal.begin(subscription, action, order_id, request_id=request_id)
        if self._on_line is not None:
            self._started[record.handle] = dict(record.entry)
        await self._commit(record)
        return record.handle

    async def finish(
        self,
        handle: int,
        outcome: str,
        *,
        order_id: str | None = None,
        order_number: str | None = None,
        correlation_id: str | None = None,
        message: str = "",
    ) -> None:
        """``Journal.finish``: returns once the outcome line is durable, or failed.

        A line that cannot be written (disk full) never changes the write's outcome:
        the journal keeps it for ``close`` and the run reports it apart.
        """
        record = self.journal.end(
            handle,
            outcome,
            order_id=order_id,
            order_number=order_number,
            correlation_id=correlation_id,
            message=message,
        )
        # On JournalError the line is held in Journal._unwritten; close() retries it,
        # then reports it.
        with contextlib.suppress(JournalError):
            await self._commit(record)
        if self._on_line is not None:
            self._on_line(outcome_line(self._started.pop(handle, {}), record))

    def close(self) -> None:
        """Stop the worker once it has written everything queued."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
            self._thread = None

    async def _commit(self, record: Record) -> None:
        loop = asyncio.get_running_loop()
        if self._thread is None:
            self._loop = loop
            self._thread = threading.Thread(target=self._work, name="journal", daemon=True)
            self._thread.start()
        assert loop is self._loop, "one event loop per GroupCommit"
        waiter: asyncio.Future[BaseException | None] = loop.create_future()
        self._queue.put(_Queued(record, waiter))
        # Shielded, as a thread hop is: a cancelled task still learns whether its record
        # was written, so the journal's state and the task's view never part.
        with anyio.CancelScope(shield=True):
            error = await waiter
        if error is not None:
            raise error

    def _work(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            try:
                errors: list[BaseException | None] = list(
                    self.journal.commit([q.record for q in batch])
                )
            except BaseException as err:  # a bug: every waiter must hear of it
                errors = [err] * len(batch)
            self.batches += 1
            assert self._loop is not None
            self._loop.call_soon_threadsafe(_wake, [q.waiter for q in batch], errors)


def _wake(
    waiters: list[asyncio.Future[BaseException | None]], errors: list[BaseException | None]
) -> None:
    for waiter, error in zip(waiters, errors, strict=True):
        if not waiter.done():
            waiter.set_result(error)
