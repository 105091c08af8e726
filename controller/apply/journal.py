"""The journal: JSON Lines, one line per write attempted (DESIGN.md section 7).

Each line: time, subscription, action, orderId, orderNumber, correlationId, outcome,
message, revision; order placements also carry the ``requestId`` attribute of the
order. Secrets never reach it (it is built from plan data and API ids).

A line is appended (flushed and fsynced) once the write's outcome is known. So that
a run killed mid-write still leaves a true record, every write in flight is also
kept in ``<journal>.inflight``; the next apply with the same journal turns leftovers
into lines with outcome ``interrupted`` before doing anything else.
"""

from __future__ import annotations

import datetime as dt
import errno
import itertools
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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

    @property
    def inflight_path(self) -> Path | None:
        return None if self.path is None else self.path.with_name(self.path.name + ".inflight")

    def recover(self) -> int:
        """Record writes a killed run left in flight; returns how many there were."""
        side = self.inflight_path
        if side is None or not side.exists():
            return 0
        lines = [ln for ln in side.read_text(encoding="utf-8").splitlines() if ln.strip()]
        for line in lines:
            entry = json.loads(line)
            entry["outcome"] = OUTCOME_INTERRUPTED
            entry["message"] = "the run was killed during this write; live state decides now"
            self._append(entry)
        side.unlink()
        return len(lines)

    def start(
        self,
        subscription: str,
        action: str,
        order_id: str | None = None,
        *,
        request_id: str | None = None,
    ) -> int:
        """Note a write about to be sent; returns a handle for ``finish``.

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
            self._inflight[handle] = entry
            self._write_inflight()
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
            self._append(entry)
            self._write_inflight()

    def ensure_writable(self) -> None:
        """Raise JournalError now, before any write, if the journal cannot be appended to."""
        if self.path is not None:
            self._open_append().close()

    def _open_append(self) -> IO[str]:
        assert self.path is not None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # O_NOFOLLOW: a symlink planted at the journal's path (say, committed under
            # .subctl/) must not make us append to whatever it points to.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
            return os.fdopen(os.open(self.path, flags, 0o644), "a", encoding="utf-8")
        except OSError as err:
            raise JournalError(self.path, err) from None

    def _append(self, entry: dict[str, Any]) -> None:
        if self.path is None:
            return
        with self._open_append() as fh:
            try:
                fh.write(json.dumps(entry, sort_keys=True) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as err:
                raise JournalError(self.path, err) from None

    def _write_inflight(self) -> None:
        side = self.inflight_path
        if side is None:
            return
        if not self._inflight:
            side.unlink(missing_ok=True)
            return
        tmp = side.with_name(side.name + ".tmp")
        text = "".join(json.dumps(e, sort_keys=True) + "\n" for e in self._inflight.values())
        try:
            side.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)  # never write through a planted symlink
            with tmp.open("x", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(side)  # replaces a symlink itself, never its target
        except OSError as err:
            raise JournalError(side, err) from None
