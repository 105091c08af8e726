"""The journal on hostile ground: a FIFO at its path, and a full disk (issue 16).

Regressions: a FIFO given as ``--journal`` (or planted at its ``.inflight`` side file)
made apply hang before any write, waiting for a reader; on a full disk a write that
had succeeded in the marketplace was reported as failed, and the next run called it
"interrupted" (killed), losing the fact that it had happened.

The full disk is injected at the journal's file-write boundary (``write_all`` of the
journal's lines), not by mocking the executor: everything else is the shipped code
against a real sandbox server.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import controller.apply.journal as journal_module
from tests.e2e.harness import (
    Server,
    env_for,
    lines,
    start_server,
    stop_server,
    sub,
    subctl,
    write_specs,
)
from tests.support.served import process_env


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.chdir(tmp_path)
    started = start_server(tmp_path, {"subscriptions": [sub("1", renew=True), sub("2")]})
    try:
        yield started
    finally:
        stop_server(started)


def _specs(tmp_path: Path) -> Path:
    return write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "1", "state": "active", "autoRenew": False},
            {"id": "2", "state": "active", "autoRenew": True},
        ],
    )


@pytest.mark.parametrize("fifo", ["j.jsonl", "j.jsonl.inflight"])
def test_a_fifo_as_journal_is_refused_at_start(server: Server, tmp_path: Path, fifo: str) -> None:
    os.mkfifo(tmp_path / fifo)
    specs = _specs(tmp_path)
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "controller", "apply", str(specs), "--yes",
             "--journal", "j.jsonl"],
            cwd=tmp_path,
            env=process_env(env_for(server)),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"apply hung on a FIFO at {fifo}")
    assert time.monotonic() - started < 30
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: cannot write the journal {fifo}: not a regular file "
        "(a FIFO, device or directory); refused"
    ]
    assert server.api().subscription("1")["renewalStatus"] is True  # nothing written


def test_disk_full_keeps_a_succeeded_write_succeeded_and_the_next_run_says_so(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write_all = journal_module.write_all  # type: ignore[attr-defined]

    def full_for_outcomes(fd: int, data: bytes) -> None:
        if b'"outcome": "succeeded"' in data:  # the outcome line of the write
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write_all(fd, data)

    monkeypatch.setattr(journal_module, "write_all", full_for_outcomes)
    specs = _specs(tmp_path)
    first = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    monkeypatch.setattr(journal_module, "write_all", real_write_all)
    # The write happened and is reported as succeeded; the journal failure apart, exit 1.
    assert server.api().subscription("1")["renewalStatus"] is False
    assert first.code == 1, first.stdout + first.stderr
    assert "1 succeeded, 0 failed" in first.stdout
    journal_errors = [ln for ln in first.stderr.splitlines() if ln.startswith("error: journal:")]
    assert journal_errors == [
        "error: journal: cannot write the journal j.jsonl: No space left on device: outcome "
        "of set-auto-renew 1 succeeded not recorded; kept in j.jsonl.inflight for the next "
        "run to write"
    ]
    assert list(lines(Path("j.jsonl"))) == []
    # The next run writes the true line (not "interrupted") and finds nothing to do.
    second = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    assert second.code == 0, second.stdout + second.stderr
    (line,) = list(lines(Path("j.jsonl")))
    assert line["outcome"] == "succeeded"
    assert line["subscription"] == "1"
    assert line["action"] == "set-auto-renew"
    assert "line written by the next run" in line["message"]
    assert not Path("j.jsonl.inflight").exists()
    assert json.dumps(line).count("interrupted") == 0
