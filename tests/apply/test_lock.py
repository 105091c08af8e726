"""The apply lock: exclusive, bounded wait, freed by the kernel when its holder dies."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from controller.apply.lock import (
    ENV_LOCK_DIR,
    LockBusy,
    LockError,
    apply_lock,
    lock_dir,
    lock_path,
)
from controller.marketplace.settings import ApiSettings
from controller.target import lock_target

HOLD = """
import fcntl, sys, time
fh = open(sys.argv[1], "a+")
fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
fh.write('{"pid": 1, "host": "elsewhere", "started": 0}')
fh.flush()
print("locked", flush=True)
time.sleep(60)
"""


def test_holder_note_then_cleared(tmp_path: Path) -> None:
    path = tmp_path / ".subctl" / "apply.lock"
    with apply_lock(path, wait_seconds=0):
        note = json.loads(path.read_text())
        assert note["pid"] == os.getpid()
        assert "started" in note
    assert path.read_text() == ""


def test_second_holder_refused_after_bounded_wait(tmp_path: Path) -> None:
    path = tmp_path / "apply.lock"
    waits: list[str] = []
    with apply_lock(path, wait_seconds=0):
        started = time.monotonic()
        with (
            pytest.raises(
                LockBusy, match=r"another apply is running on this target and account: .*pid"
            ),
            apply_lock(path, wait_seconds=0.5, on_wait=waits.append),
        ):
            pass
        assert 0.4 <= time.monotonic() - started < 5
    assert len(waits) == 1


def test_wait_message_names_a_holder_that_writes_its_note_late(tmp_path: Path) -> None:
    # Regression: the waiter polled between the holder's flock and its note, and said
    # "another subctl apply" instead of naming the pid.
    path = tmp_path / "apply.lock"
    locked = threading.Event()

    def holder() -> None:
        with path.open("a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            locked.set()
            time.sleep(0.3)
            fh.write('{"pid": 4242, "host": "here", "started": 0}')
            fh.flush()
            time.sleep(3.0)

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(10)
    waits: list[str] = []
    with pytest.raises(LockBusy), apply_lock(path, wait_seconds=2.0, on_wait=waits.append):
        pass
    thread.join(10)
    assert len(waits) == 1, waits
    assert "pid 4242" in waits[0], waits


def test_waiter_proceeds_once_free(tmp_path: Path) -> None:
    path = tmp_path / "apply.lock"
    holding = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with apply_lock(path, wait_seconds=0):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert holding.wait(10)
    threading.Timer(0.3, release.set).start()
    with apply_lock(path, wait_seconds=10):
        assert json.loads(path.read_text())["pid"] == os.getpid()
    thread.join(10)


def test_lock_of_a_killed_holder_is_free(tmp_path: Path) -> None:
    path = tmp_path / "apply.lock"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(LockBusy, match="elsewhere"), apply_lock(path, wait_seconds=0):
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        with apply_lock(path, wait_seconds=0):  # no stale-lock wait: the kernel freed it
            assert json.loads(path.read_text())["pid"] == os.getpid()
    finally:
        proc.kill()
        proc.communicate(timeout=10)


def test_no_locking_support_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unsupported(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", unsupported)
    with (
        pytest.raises(LockError, match=r"cannot lock .*: No locks available"),
        apply_lock(tmp_path / "apply.lock", wait_seconds=0),
    ):
        pass


def test_a_planted_symlink_is_not_truncated(tmp_path: Path) -> None:
    # Regression: a symlink committed at .subctl/apply.lock made apply truncate its target.
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    link = tmp_path / "apply.lock"
    link.symlink_to(precious)
    with pytest.raises(LockError, match="it is a symlink"), apply_lock(link, wait_seconds=0):
        pass
    assert precious.read_text() == "keep me\n"


def test_one_lock_per_target_and_account_whatever_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression (issue 16): the lock was .subctl/apply.lock in the working folder, so
    # two folders (or checkouts) of one repository applied at once and placed
    # duplicate renewals.
    env = {"SUBCTL_USERNAME": "u", "SUBCTL_PASSWORD": "p", "SUBCTL_SUBSCRIPTION_KEY": "k"}

    def path_for(url: str, folder: Path, **over: str) -> Path:
        folder.mkdir(exist_ok=True)
        monkeypatch.chdir(folder)
        settings = ApiSettings.from_env(url, environ=env | over)
        return lock_path(lock_target(settings), settings.username, settings.marketplace, {})

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(ENV_LOCK_DIR, raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    a, b = tmp_path / "a", tmp_path / "b"
    one = path_for("https://api.example.com/", a)
    assert one.parent == tmp_path / "home" / ".cache" / "subctl" / "locks"
    assert path_for("HTTPS://API.example.com:443", b) == one
    assert path_for("https://api.example.com", b, SUBCTL_USERNAME="v") != one
    assert path_for("https://api.example.com", b, SUBCTL_MARKETPLACE="us") != one
    assert path_for("https://other.example.com", b) != one
    # The embedded sandbox's target is its database: one per folder.
    assert path_for("sandbox", a) != path_for("sandbox", b)
    assert lock_dir({"XDG_RUNTIME_DIR": str(tmp_path)}) == tmp_path / "subctl"
    assert lock_dir({ENV_LOCK_DIR: "/x/y", "XDG_RUNTIME_DIR": str(tmp_path)}) == Path("/x/y")
