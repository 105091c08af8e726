"""The apply confirmation (issue 14), on a real terminal (a pty).

The question carries counts and cost and ends in ``[y/N]``; the progress bar starts
only after the answer; lines printed while the bar runs stand on their own lines.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from controller.plan.model import Plan, Totals
from controller.report.question import confirm_question
from tests.e2e.conftest import StartServer
from tests.e2e.harness import (
    env_for,
    order,
    sub,
    write_specs,
)
from tests.plan.builders import NOW
from tests.support.served import process_env

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_question_counts_cancellations_renewals_and_cost() -> None:
    plan = Plan(
        createdAt=NOW,
        target="https://api.example",
        totals=Totals(
            changes=7, byAction={"renew": 3, "set-auto-renew": 4}, cost={"EUR": "198.00"}
        ),
    )
    assert confirm_question(plan) == (
        "Apply 7 changes (3 renewals costing 198.00 EUR) to https://api.example?"
    )
    several = plan.model_copy(
        update={"totals": plan.totals.model_copy(update={"cost": {"EUR": "1", "GBP": "2"}})}
    )
    assert "costing 1 EUR + 2 GBP" in confirm_question(several)
    one = Plan(createdAt=NOW, target="t", totals=Totals(changes=1, byAction={"withdraw": 1}))
    assert confirm_question(one) == "Apply 1 change to t?"


def _read_until(fd: int, needle: str, timeout: float) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while needle not in ANSI.sub("", seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk.decode("utf-8", "replace")
    return seen


def test_prompt_then_bar_then_completion_lines(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(
        {
            "subscriptions": [sub("201", renew=False), sub("202", price="99.00"), sub("203")],
            "orders": [order("9203", "203")],  # pending cancellation: approve, then wait
        },
        "--vendor-delay",
        "1",
    )
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "201", "state": "active", "autoRenew": True},
            {"id": "202", "state": "active", "autoRenew": True, "renewThrough": "2028-03-31"},
            {"id": "203", "state": "cancelled", "cancellation": {"reason": "moved away"}},
        ],
    )
    master, slave = pty.openpty()
    env = process_env(env_for(server))
    env.update(COLUMNS="160", LINES="40", TERM="xterm-256color")
    proc = subprocess.Popen(
        [sys.executable, "-m", "controller", "apply", str(specs), "--wait", "60s"],
        cwd=tmp_path,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    try:
        before = _read_until(master, "[y/N]", 60)
        text = ANSI.sub("", before)
        assert (
            "Apply 3 changes (1 cancellation, 1 renewal costing 99.00 GBP) to "
            f"{server.url}? [y/N]" in text
        ), text
        assert "applying" not in text  # no bar before the answer
        os.write(master, b"y\r")
        after = _read_until(master, "\x00never", 60)
        proc.wait(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0, ANSI.sub("", after)
    segments = [s.strip() for s in re.split(r"[\r\n]", ANSI.sub("", after))]
    assert any(s.startswith("applying") for s in segments)  # the bar ran after the answer
    done = [s for s in segments if "is now completed" in s]
    assert done, segments
    assert all(s.startswith("order SO009203 (cancellation, subscription 203)") for s in done)


def test_ctrl_c_at_the_prompt_stops_at_once(sandbox: StartServer, tmp_path: Path) -> None:
    """The prompt blocks the event loop; asyncio's handler used to swallow the first
    Ctrl-C there. Now it aborts at once: exit 130, nothing written."""
    server = sandbox({"subscriptions": [sub("201", renew=False)]})
    specs = write_specs(
        tmp_path / "specs", "acme", [{"id": "201", "state": "active", "autoRenew": True}]
    )
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "controller", "apply", str(specs)],
        cwd=tmp_path,
        env=process_env(env_for(server)),
        stdin=slave,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    try:
        assert "[y/N]" in ANSI.sub("", _read_until(master, "[y/N]", 60))
        # A person reads the question first; a signal in the instant between the prompt
        # and readline's wait for a key is only seen at the next key.
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C on its terminal sends
        out = _read_until(master, "\x00never", 20)
        proc.wait(timeout=20)
    finally:
        os.close(master)
    assert proc.returncode == 130
    assert "interrupted at the confirmation; nothing was written" in ANSI.sub("", out)
    assert server.api().subscription("201")["renewalStatus"] is False
