"""The apply lock: one ``subctl apply`` at a time per target and account, per user.

Two applies on one machine against the same marketplace and account would plan from
the same live state and race each other's writes (two folders, or two checkouts, of
one repository placed duplicate renewals: renewals complete at once, so the
marketplace has no open order to refuse). So ``subctl apply`` (controller/commands/
apply.py) holds this lock around the whole apply, after the specs are validated.

Where (``lock_path``): a per-user folder, ``$SUBCTL_LOCK_DIR`` if set (tests), else
``$XDG_RUNTIME_DIR/subctl/``, else ``~/.cache/subctl/locks/``; the file is named by a
hash of (normalised target URL, username, marketplace), the embedded sandbox's target
being its database file. The folder is created private (0700).

Mechanism: ``fcntl.flock(LOCK_EX | LOCK_NB)`` on the lock file. The kernel drops a
flock when its holder dies (even by SIGKILL), so a dead holder never blocks anyone:
the file left behind is only a note. Inside it the holder writes its pid, host and
start time, so the message of a waiting run can name who holds it.

Choice (documented in docs/reliability.md): the second process waits a bounded time
(``wait_seconds``, default 30 s), polling; if the lock frees up in time it proceeds
(planning from the live state the first run left), otherwise it exits 1 with a
message naming the holder. A lock held longer than ``stale_after`` by a live process
is reported as probably stuck, but never broken: a live holder may still be writing.

Across machines (two CI runners) this lock cannot help; there the marketplace's own
rule holds: a second open order of one type is refused, and the client treats that
as "already open" (controller/marketplace/ordering.py); renewals need a CI
concurrency group (docs/reliability.md).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from controller.errors import ControllerError

ENV_LOCK_DIR = "SUBCTL_LOCK_DIR"
DEFAULT_WAIT_SECONDS = 30.0
STALE_AFTER_SECONDS = 6 * 3600.0
POLL_SECONDS = 0.2
# A holder takes the flock first and writes its note a moment later; a waiter that polls
# in between would read an empty file. It stays quiet this long for the note to appear,
# so its message can say who holds the lock.
NOTE_GRACE_SECONDS = 1.0


def lock_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The per-user folder of apply locks (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get(ENV_LOCK_DIR):
        return Path(env[ENV_LOCK_DIR])
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "subctl"
    return Path.home() / ".cache" / "subctl" / "locks"


def lock_path(
    target: str, username: str, marketplace: str, environ: Mapping[str, str] | None = None
) -> Path:
    """The lock file of one (target, account, marketplace); ``target`` is normalised."""
    key = json.dumps([target, username, marketplace.lower()])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return lock_dir(environ) / f"apply-{digest}.lock"


class LockError(ControllerError):
    """The apply lock cannot be taken at all (no permission, no locking support)."""


class LockBusy(LockError):
    """Another apply holds the lock and did not release it in time (exit 1)."""


def _try_lock(fh: IO[str], path: Path) -> bool:
    """Take the lock without blocking; False if someone else holds it."""
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as err:  # e.g. ENOLCK on a network filesystem without locks
        raise LockError(f"cannot lock {path}: {err.strerror or err}") from None
    return True


def _holder(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(info: dict[str, Any], now: float, stale_after: float) -> str:
    if not info:
        return "another subctl apply"
    who = f"subctl apply (pid {info.get('pid')} on {info.get('host')}"
    started = info.get("started")
    if isinstance(started, int | float):
        age = now - started
        who += f", running {age:.0f}s"
        if age > stale_after:
            who += "; probably stuck, check that process"
    return who + ")"


@contextmanager
def apply_lock(
    path: Path,
    *,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    stale_after: float = STALE_AFTER_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the apply lock for the ``with`` block; raise ``LockBusy`` after waiting."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Opened without truncating: the holder's note must survive until we own the lock.
        # O_NOFOLLOW: a symlink committed as .subctl/apply.lock must not make us truncate
        # whatever it points to.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        fh: IO[str] = os.fdopen(fd, "a+", encoding="utf-8")
    except OSError as err:
        reason = "it is a symlink" if err.errno == errno.ELOOP else err.strerror or str(err)
        raise LockError(f"cannot open the apply lock {path}: {reason}") from None
    try:
        first = clock()
        deadline = first + max(0.0, wait_seconds)
        told = False
        while not _try_lock(fh, path):
            info = _holder(path)
            holder = _describe(info, wall(), stale_after)
            if clock() >= deadline:
                raise LockBusy(
                    f"another apply is running on this target and account: {holder} holds "
                    f"{path}; waited "
                    f"{wait_seconds:g}s. Run again when it has finished"
                )
            named = bool(info) or clock() - first >= NOTE_GRACE_SECONDS
            if not told and named and on_wait is not None:
                on_wait(f"waiting up to {wait_seconds:g}s for {holder} to release {path}")
                told = True
            sleep(min(POLL_SECONDS, max(0.0, deadline - clock())))
        note = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": wall(),
            "startedAt": dt.datetime.fromtimestamp(wall(), dt.UTC).isoformat(),
        }
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(note) + "\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()  # the note goes; the file stays (unlinking would race a waiter)
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()
