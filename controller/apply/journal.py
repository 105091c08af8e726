"""The journal: JSON Lines, one line per write attempted (DESIGN.md section 7).

Each line: time, subscription, action, orderId, orderNumber, correlationId, outcome,
message, revision; order placements also carry the ``requestId`` attribute of the
order. Secrets never reach it (it is built from plan data and API ids).

A line is appended (and fsynced) once the write's outcome is known. So that a run
killed mid-write still leaves a true record, every write is first recorded, fsynced,
in ``<journal>.inflight`` before it is sent (``inflight.py``: an append-only log; why
that is safe is explained there), and marked done there after its line; the next
apply with the same journal turns what was left in flight into lines with outcome
``interrupted`` before doing anything else.

Both files stay open for the run (``close`` ends it), so a write costs two appends
and two fsyncs, not an open, a rewrite and a rename each time. The executor calls
``start`` and ``finish`` from worker threads; one lock orders everything.
"""

from __future__ import annotations

import datetime as dt
import errno
import itertools
import json
import os
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.apply.inflight import InflightLog, open_append, pending_entries, write_all
from controller.errors import ControllerError

OUTCOME_INTERRUPTED = "interrupted"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JournalError(ControllerError):
    """The journal cannot be written; no marketplace write goes out without its record."""

    def __init__(self, path: Path, err: OSError) -> None:
        reason = "it is a symlink" if err.errno == errno.ELOOP else err.strerror or str(err)
        super().__init__(f"cannot write the journal {path}: {reason}")


@dataclass
class Journal:
    path: Path | None
    revision: str | None = None
    clock: Callable[[], dt.datetime] = _utc_now
    _inflight: dict[int, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _fd: int | None = None
    _fd_closer: weakref.finalize[Any, Any] | None = None
    _side: InflightLog | None = None

    @property
    def inflight_path(self) -> Path | None:
        return None if self.path is None else self.path.with_name(self.path.name + ".inflight")

    def recover(self) -> int:
        """Record writes a killed run left in flight; returns how many there were.

        Call it before the first ``start``: this run's own writes would count as well.
        """
        side = self.inflight_path
        if side is None:
            return 0
        assert self._side is None, "recover() after start() would record live writes"
        try:
            entries = pending_entries(side)
        except OSError as err:
            raise JournalError(side, err) from None
        with self._lock:
            for entry in entries:
                entry["outcome"] = OUTCOME_INTERRUPTED
                entry["message"] = "the run was killed during this write; live state decides now"
                self._append(entry)
        side.unlink(missing_ok=True)
        return len(entries)

    def start(
        self,
        subscription: str,
        action: str,
        order_id: str | None = None,
        *,
        request_id: str | None = None,
    ) -> int:
        """Note a write about to be sent (durably); returns a handle for ``finish``.

        ``request_id`` is the ``requestId`` attribute an order placement carries: it is
        recorded before the POST, so even an ``interrupted`` or failed line (no order
        id known) names the order it may have created.
        """
        handle = next(self._ids)
        entry: dict[str, Any] = {
            "time": self.clock().isoformat(),
            "subscription": subscription,
            "action": action,
            "orderId": order_id,
            "revision": self.revision,
        }
        if request_id is not None:
            entry["requestId"] = request_id
        with self._lock:
            if self.inflight_path is not None:
                side = self._side_log(self.inflight_path)
                try:
                    side.start(handle, entry)
                except OSError as err:
                    side.forget(handle)  # not durable, so the write is never sent
                    raise JournalError(side.path, err) from None
            self._inflight[handle] = entry
        return handle

    def finish(
        self,
        handle: int,
        outcome: str,
        *,
        order_id: str | None = None,
        order_number: str | None = None,
        correlation_id: str | None = None,
        message: str = "",
    ) -> None:
        with self._lock:
            entry = self._inflight.pop(handle)
            entry.update(
                {
                    "time": self.clock().isoformat(),
                    "orderId": order_id or entry.get("orderId"),
                    "orderNumber": order_number,
                    "correlationId": correlation_id,
                    "outcome": outcome,
                    "message": message,
                }
            )
            # Line first: if it cannot be written, the start stays pending in the side
            # file and the next run records this write as interrupted.
            self._append(entry)
            if self._side is not None:
                try:
                    self._side.done(handle)
                except OSError as err:
                    raise JournalError(self._side.path, err) from None

    def ensure_writable(self) -> None:
        """Raise JournalError now, before any write, if the journal cannot be appended to."""
        if self.path is not None:
            with self._lock:
                self._journal_fd()

    def close(self) -> None:
        """End the run's use of the files; the side file goes when nothing is in flight."""
        with self._lock:
            if self._side is not None:
                try:
                    self._side.close()
                except OSError as err:
                    raise JournalError(self._side.path, err) from None
                finally:
                    self._side = None
            if self._fd_closer is not None:
                self._fd_closer()
                self._fd = self._fd_closer = None

    def _journal_fd(self) -> int:
        assert self.path is not None
        if self._fd is None:
            try:
                # O_NOFOLLOW: a symlink planted at the journal's path (say, committed
                # under .subctl/) must not make us append to whatever it points to.
                self._fd, _ = open_append(self.path)
            except OSError as err:
                raise JournalError(self.path, err) from None
            self._fd_closer = weakref.finalize(self, os.close, self._fd)
        return self._fd

    def _side_log(self, path: Path) -> InflightLog:
        if self._side is None:
            try:
                self._side = InflightLog(path)
            except OSError as err:
                raise JournalError(path, err) from None
        return self._side

    def _append(self, entry: dict[str, Any]) -> None:
        if self.path is None:
            return
        fd = self._journal_fd()
        try:
            write_all(fd, (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8"))
            os.fsync(fd)
        except OSError as err:
            raise JournalError(self.path, err) from None
