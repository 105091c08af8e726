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

Both files stay open for the run (``close`` ends it). The one write API is
``GroupCommit.start``/``finish`` (``groupcommit.py``, what the executor uses): ``begin``
and ``end`` here only build records; ``commit`` writes a batch of them with one fsync
per file for the whole batch, in the order that keeps every record
true: outcome lines, fsync; then done marks and starts, fsync. Calls may come from
any thread; one lock orders them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import itertools
import json
import os
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.apply.inflight import (
    InflightLog,
    check_regular,
    open_append,
    pending_entries,
    write_all,
)
from controller.errors import ControllerError
from controller.redact import redact

OUTCOME_INTERRUPTED = "interrupted"


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JournalError(ControllerError):
    """The journal cannot be written; no marketplace write goes out without its record."""

    def __init__(self, path: Path, err: OSError) -> None:
        reason = "it is a symlink" if err.errno == errno.ELOOP else err.strerror or str(err)
        super().__init__(f"cannot write the journal {path}: {reason}")


@dataclass(frozen=True)
class Start:
    """A write about to be sent: its handle and its entry (``Journal.begin``)."""

    handle: int
    entry: dict[str, Any]


@dataclass(frozen=True)
class Finish:
    """The outcome of the write ``handle`` (``Journal.end``)."""

    handle: int
    fields: dict[str, Any]


Record = Start | Finish


def outcome_line(entry: dict[str, Any], finish: Finish) -> dict[str, Any]:
    """The journal line of a write: its start ``entry`` completed by its outcome (the
    order id the outcome names, else the one the start named). Updates ``entry``."""
    entry.update(finish.fields, orderId=finish.fields["orderId"] or entry.get("orderId"))
    return entry


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
    # Outcome lines that could not be written (disk full): (handle, entry, error).
    _unwritten: list[tuple[int, dict[str, Any], JournalError]] = field(default_factory=list)
    # What close() could not record at all; the run reports these apart (exit 1).
    failures: list[str] = field(default_factory=list)

    @property
    def inflight_path(self) -> Path | None:
        return None if self.path is None else self.path.with_name(self.path.name + ".inflight")

    def recover(self) -> int:
        """Record writes a killed run left in flight; returns how many there were.

        Call it before the first write is recorded: this run's own writes would count as well.
        """
        side = self.inflight_path
        if side is None:
            return 0
        assert self._side is None, "recover() after start() would record live writes"
        try:
            entries = pending_entries(side)
        except OSError as err:
            raise JournalError(side, err) from None
        except ValueError as err:  # damage, or the format of old versions: one line, no guess
            damaged = OSError(errno.EINVAL, f"it is damaged ({err}); move it aside to go on")
            raise JournalError(side, damaged) from None
        with self._lock:
            for entry in entries:
                if entry.get("outcome"):
                    # The run knew this outcome but its journal was full: the true line.
                    late = "line written by the next run: the journal could not be written then"
                    entry["message"] = "; ".join(m for m in (entry.get("message"), late) if m)
                else:
                    entry["outcome"] = OUTCOME_INTERRUPTED
                    entry["message"] = (
                        "the run ended during this write (killed, or its journal could not "
                        "be written); live state decides now"
                    )
                self._append(entry)
        side.unlink(missing_ok=True)
        return len(entries)

    def begin(
        self,
        subscription: str,
        action: str,
        order_id: str | None = None,
        *,
        request_id: str | None = None,
    ) -> Start:
        """The record of a write about to be sent; nothing is written until ``commit``.

        ``request_id`` is the ``requestId`` attribute an order placement carries: it is
        recorded before the POST, so even an ``interrupted`` or failed line (no order
        id known) names the order it may have created.
        """
        entry: dict[str, Any] = {
            "time": self.clock().isoformat(),
            "subscription": subscription,
            "action": action,
            "orderId": order_id,
            "revision": self.revision,
        }
        if request_id is not None:
            entry["requestId"] = request_id
        return Start(next(self._ids), entry)

    def end(
        self,
        handle: int,
        outcome: str,
        *,
        order_id: str | None = None,
        order_number: str | None = None,
        correlation_id: str | None = None,
        message: str = "",
    ) -> Finish:
        """The outcome record of the write ``handle``; written by ``commit``."""
        fields = {
            "time": self.clock().isoformat(),
            "orderId": order_id,
            "orderNumber": order_number,
            "correlationId": correlation_id,
            "outcome": outcome,
            "message": message,
        }
        return Finish(handle, fields)

    def commit(self, records: Sequence[Record]) -> list[JournalError | None]:
        """Write ``records`` durably; for each, None or the error that stopped it.

        A start whose error is not None was not made durable: its write must not be
        sent. A finish whose error is not None keeps its write pending in the side
        file, so the next run records it as interrupted.
        """
        errors: list[JournalError | None] = [None] * len(records)
        with self._lock:
            lined = self._write_lines(records, errors)
            self._write_side(records, lined, errors)
        return errors

    def check_paths(self) -> None:
        """Raise JournalError if the journal or its side file is a FIFO, device or
        directory; creates nothing (the CLI calls it before contacting anyone)."""
        for path in (self.path, self.inflight_path):
            if path is not None:
                try:
                    check_regular(path)
                except OSError as err:
                    raise JournalError(path, err) from None

    def ensure_writable(self) -> None:
        """Raise JournalError now, before any write, if the journal cannot be appended to."""
        self.check_paths()
        if self.path is not None:
            with self._lock:
                self._journal_fd()

    def close(self) -> None:
        """End the run's use of the files; the side file goes when nothing is in flight.

        Outcome lines that could not be written during the run are tried once more;
        those that still fail are kept as outcomes in the side file (the next run
        writes their lines), and whatever cannot be kept at all is in ``failures``.
        """
        with self._lock:
            self._retry_unwritten()
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

    def _retry_unwritten(self) -> None:
        unwritten, self._unwritten = self._unwritten, []
        for handle, entry, first in unwritten:
            what = f"{entry.get('action')} {entry.get('subscription')} {entry.get('outcome')}" + (
                f" (order {entry['orderId']})" if entry.get("orderId") else ""
            )
            try:
                self._append(entry)
            except JournalError:
                pass
            else:
                if self._side is not None:
                    # Its line is written; if the done mark fails, the next run may add
                    # a duplicate line, never lose one.
                    with contextlib.suppress(OSError):
                        self._side.done(handle)
                continue
            kept = ""
            if self._side is not None:
                try:
                    self._side.outcome(handle, entry)
                    kept = f"; kept in {self._side.path} for the next run to write"
                except OSError:
                    kept = "; the next run will call it interrupted"
            self.failures.append(f"{first}: outcome of {what} not recorded{kept}")

    def _write_lines(
        self, records: Sequence[Record], errors: list[JournalError | None]
    ) -> list[int]:
        """Append and fsync the outcome lines; the indexes of those now durable."""
        lined: list[int] = []
        entries: dict[int, tuple[int, dict[str, Any]]] = {}
        for index, record in enumerate(records):
            if not isinstance(record, Finish):
                continue
            entry = outcome_line(self._inflight.pop(record.handle), record)
            entries[index] = (record.handle, entry)
            try:
                self._append(entry, sync=False)
            except JournalError as err:
                errors[index] = err
                self._unwritten.append((record.handle, entry, err))
            else:
                lined.append(index)
        if lined and self.path is not None:
            try:
                os.fsync(self._journal_fd())
            except OSError as err:
                failed = JournalError(self.path, err)
                for index in lined:
                    errors[index] = failed
                    self._unwritten.append((*entries[index], failed))
                return []
        return lined

    def _write_side(
        self, records: Sequence[Record], lined: list[int], errors: list[JournalError | None]
    ) -> None:
        """Mark the durable lines done, then append and fsync the starts."""
        path = self.inflight_path
        starts = [(i, r) for i, r in enumerate(records) if isinstance(r, Start)]
        if path is None:
            self._inflight.update((r.handle, r.entry) for _, r in starts)
            return
        for index in lined:
            assert self._side is not None  # opened by the write's start
            try:
                self._side.done(records[index].handle)
            except OSError as err:
                errors[index] = JournalError(path, err)  # pending still: a duplicate, not a loss
        if not starts:
            return
        try:
            side = self._side_log(path)
            for _, record in starts:
                side.start(record.handle, record.entry)
            side.sync()
        except OSError as err:
            for index, record in starts:
                errors[index] = JournalError(path, err)
                if self._side is not None:
                    self._side.forget(record.handle)  # not durable, so never sent
            return
        self._inflight.update((r.handle, r.entry) for _, r in starts)

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
            self._side = InflightLog(path)
        return self._side

    def _append(self, entry: dict[str, Any], *, sync: bool = True) -> None:
        if self.path is None:
            return
        fd = self._journal_fd()
        try:
            line = redact(json.dumps(entry, sort_keys=True))  # no secret in any line
            write_all(fd, (line + "\n").encode("utf-8"))
            if sync:
                os.fsync(fd)
        except OSError as err:
            raise JournalError(self.path, err) from None
