"""The journal's in-flight side file, ``<journal>.inflight``: an append-only log.

Used only by the journal (``journal.py``). Before a write is sent, its entry is
appended here and fsynced; once the write's outcome line is in the journal, a ``done``
record for it is appended. A start with no done was in flight when the process died:
``pending_entries`` reads those back, and the next apply turns them into
``interrupted`` lines.

One JSON object a line:

    {"start": "<run>.<n>", "entry": {...}}   before the write is sent, fsynced
    {"done": "<run>.<n>"}                     after the outcome line was fsynced

A line with neither key is damage, as a bad line is. The ``<run>`` part is random per
log, so records of a leftover file that was never recovered cannot be mistaken for
this run's.

Why appending is as safe as the rewrite it replaced (and costs one fsync per start
instead of two rewrites, fsyncs and renames per write):

- SIGKILL: every record is one ``write`` made before the call that depends on it
  returns, and the kernel keeps what was written; a killed run leaves exactly the
  starts and dones it made. The journal writes the done only after the outcome line,
  so no write is ever left with neither.
- Power cut: the start is fsynced before the write is sent, and so is the file's
  directory entry when this log created the file. The done is not fsynced on its own:
  the next start's fsync, a compaction or ``close`` carries it. A cut before then
  leaves a start whose outcome line is already in the journal, and recovery adds an
  ``interrupted`` line after it: a duplicate, never a loss (the rewrite had the same
  window between the outcome line and the rename).
- A torn last line (cut mid-append) is skipped: it was written after the last fsync,
  so if it was a start, its write was never sent; if a done, its start stays pending
  (a duplicate at worst). A bad line anywhere else is an error, as before.
- Every ``COMPACT_AFTER`` records the file is compacted: emptied with ``ftruncate``
  when nothing is in flight (a crash leaves it all-done or empty), otherwise replaced
  by the pending starts alone (temporary file fsynced, renamed over, directory
  fsynced: a crash leaves the old file or the new one, the same pending set) before
  any further record is appended.

Planted symlinks are refused (``O_NOFOLLOW``), never written or read through.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import stat
import weakref
from pathlib import Path
from typing import Any

from controller.redact import redact

COMPACT_AFTER = 2048

_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


NOT_REGULAR = "not a regular file (a FIFO, device or directory); refused"


def check_regular(path: Path) -> None:
    """Raise OSError if ``path`` exists and is neither a regular file nor a symlink.

    Symlinks are left to ``O_NOFOLLOW`` (which names them); a FIFO would block the
    first open until some reader came (apply hung before any write), a device or a
    directory cannot hold a journal.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise OSError(errno.ENXIO, NOT_REGULAR)


def _open_regular(path: Path, flags: int, mode: int = 0o644) -> int:
    # O_NONBLOCK: opening a FIFO never waits for its other end (the write side fails
    # with ENXIO at once); fstat then refuses anything that is not a regular file.
    try:
        fd = os.open(path, flags | os.O_NONBLOCK, mode)
    except OSError as err:
        if err.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, NOT_REGULAR) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.ENXIO, NOT_REGULAR)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_append(path: Path) -> tuple[int, bool]:
    """An append-only fd on ``path`` (never through a symlink, only a regular file);
    True if it was created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open_regular(path, _APPEND | os.O_EXCL), True
    except FileExistsError:
        return _open_regular(path, _APPEND), False


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def sync_directory(path: Path) -> None:
    """Make a name created or renamed in ``path``'s folder survive a power cut."""
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _encode(record: dict[str, Any]) -> bytes:
    # Masked like the journal's own lines: an outcome kept here may carry a message.
    return (redact(json.dumps(record, sort_keys=True)) + "\n").encode("utf-8")


def _read_pending(path: Path) -> dict[str, dict[str, Any]]:
    """Starts without a done, in the order they were made; {} when there is no file."""
    try:
        fd = _open_regular(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return {}
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read()
    lines = raw.split(b"\n")
    pending: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            if number == len(lines) - 1:  # the unterminated tail: see the docstring
                break
            raise
        if "done" in record:
            pending.pop(record["done"], None)
        elif "outcome" in record:  # the run knew the outcome but could not write its line
            pending[record["outcome"]] = record["entry"]
        elif "start" in record:
            pending[record["start"]] = record["entry"]
        else:  # no known key: damage (the rewritten format of old versions is gone)
            raise ValueError(f"{path}:{number + 1}: not an in-flight record")
    return pending


def pending_entries(path: Path) -> list[dict[str, Any]]:
    """The journal entries of the writes a run left in flight in the file at ``path``."""
    return list(_read_pending(path).values())


class InflightLog:
    """The side file of one run; not thread-safe (the journal holds its lock around it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._run = secrets.token_hex(4)
        # A leftover nobody recovered stays pending: compaction and close keep it.
        self._pending: dict[str, bytes] = {
            key: _encode({"start": key, "entry": entry})
            for key, entry in _read_pending(path).items()
        }
        self._fd, created = open_append(path)
        self._closer = weakref.finalize(self, os.close, self._fd)
        if created:
            sync_directory(path)
        self._records = len(self._pending)

    def start(self, handle: int, entry: dict[str, Any]) -> None:
        """Record a write about to be sent; durable only after the next ``sync``."""
        key = f"{self._run}.{handle}"
        line = _encode({"start": key, "entry": entry})
        write_all(self._fd, line)
        self._pending[key] = line
        self._records += 1

    def sync(self) -> None:
        """Make every record appended so far durable (one fsync for a batch of starts)."""
        os.fsync(self._fd)

    def done(self, handle: int) -> None:
        """Record that the write's outcome line is durable in the journal."""
        key = f"{self._run}.{handle}"
        write_all(self._fd, _encode({"done": key}))
        del self._pending[key]
        self._records += 1
        if self._records >= COMPACT_AFTER:
            self._compact()

    def outcome(self, handle: int, entry: dict[str, Any]) -> None:
        """Keep a known outcome whose journal line could not be written (disk full):
        the next run writes that line instead of calling the write interrupted."""
        key = f"{self._run}.{handle}"
        line = _encode({"outcome": key, "entry": entry})
        write_all(self._fd, line)
        os.fsync(self._fd)
        self._pending[key] = line
        self._records += 1

    def forget(self, handle: int) -> None:
        """Drop a start whose record could not be made durable: its write is not sent."""
        self._pending.pop(f"{self._run}.{handle}", None)

    def close(self) -> None:
        """Close the file; remove it when nothing is in flight (no file means none)."""
        if not self._closer.alive:
            return
        if self._pending:
            os.fsync(self._fd)  # carries the dones appended since the last start
        else:
            self.path.unlink(missing_ok=True)
        self._closer()

    def _compact(self) -> None:
        if not self._pending:
            os.ftruncate(self._fd, 0)
            self._records = 0
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        fd, _ = open_append(tmp)
        try:
            write_all(fd, b"".join(self._pending.values()))
            os.fsync(fd)
            tmp.replace(self.path)  # replaces a planted symlink itself, never its target
            sync_directory(self.path)
        except BaseException:
            os.close(fd)
            raise
        self._closer()
        self._fd = fd
        self._closer = weakref.finalize(self, os.close, fd)
        self._records = len(self._pending)
