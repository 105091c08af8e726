"""Crash safety: ``apply`` as a real process, SIGKILLed at random moments, then rerun.

The sandbox answers slowly (``--latency-ms``) so a run is still writing when the kill
lands. After the kills, apply runs to the end; the scenario's invariants must hold, and
every write a killed run left in ``journal.jsonl.inflight`` must come back as an
``interrupted`` journal line on a later run.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from controller.apply.inflight import pending_entries
from tests.e2e.harness import (
    env_for,
    subctl,
)
from tests.reliability.conftest import Figures
from tests.reliability.scenario import (
    check_final_state,
    check_invariants,
    make_scenario,
    read_journal,
    snapshot,
    start_on,
    stop,
)
from tests.support.served import process_env

MAX_FINAL_RUNS = 3


def _apply_cmd(paths: list[str], journal: Path) -> list[str]:
    return [
        sys.executable, "-m", "controller", "-q", "apply", *paths, "--yes",
        "--format", "json", "--journal", str(journal), "--max-cancellations", "100000",
    ]  # fmt: skip


def _kill_runs(
    cmd: list[str],
    cwd: Path,
    env: dict[str, str],
    kills: int,
    rng: random.Random,
    window: tuple[float, float],
) -> tuple[int, int, list[dict[str, Any]]]:
    """Start and SIGKILL ``kills`` runs; returns kills, runs that ended first, leftovers."""
    inflight = cwd / "journal.jsonl.inflight"
    left: list[dict[str, Any]] = []
    killed = finished_early = 0
    low, high = window
    for _ in range(kills):
        started = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(low, max(low, high)))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        else:
            finished_early += 1
            # Less is left to do each time: aim the next kills inside a run's length.
            high = min(high, (time.monotonic() - started) * 0.9)
        proc.wait(timeout=30)
        left += pending_entries(inflight)  # the side file is a log of starts and dones
    return killed, finished_early, left


def crash_and_recover(
    tmp_path: Path,
    n: int,
    kills: int,
    rng_seed: int,
    figures: Figures,
    window: tuple[float, float] = (0.8, 2.8),
) -> None:
    """``kills`` runs killed after a random delay in ``window`` (seconds from start).

    The window must cover a run's writes: python start-up takes ~0.7 s, then the
    observation; with 400 subscriptions a whole run takes ~30 s.
    """
    rng = random.Random(rng_seed)
    sc = make_scenario(tmp_path / "specs", n)
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(sc.seed), encoding="utf-8")
    db = tmp_path / "sandbox.db"
    slow = start_on(db, seed_file, "--latency-ms", "40")
    clean = start_on(db, seed_file)
    journal = tmp_path / "journal.jsonl"
    inflight = journal.with_name(journal.name + ".inflight")
    env = process_env(env_for(slow))
    started = time.monotonic()
    try:
        before = snapshot(db)
        # The killed runs are slowed by the client's own rate cap as well as the
        # sandbox's latency: with concurrent paging a run of 90 subscriptions can end
        # within a second, before any kill lands among its writes.
        slowed = {**env, "SUBCTL_MAX_RATE": "15"}
        killed, finished_early, left_inflight = _kill_runs(
            _apply_cmd(sc.paths, journal), tmp_path, slowed, kills, rng, window
        )
        runs, converged, final = 0, False, []
        for _ in range(MAX_FINAL_RUNS):
            runs += 1
            done = subprocess.run(
                _apply_cmd(sc.paths, journal),
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert "Traceback" not in done.stderr, done.stderr
            final.append((done.returncode, done.stderr[-300:]))
            check = subctl(clean, "plan", *sc.paths, "--format", "json", "--detailed-exitcode")
            if check.code == 0:
                converged = True
                break
    finally:
        stop(slow)
        stop(clean)
    after = snapshot(db)
    lines = read_journal(journal)
    interrupted = [ln for ln in lines if ln.get("outcome") == "interrupted"]
    figures(
        subscriptions=n,
        kills=killed,
        finished_before_kill=finished_early,
        # A leftover is seen again when the next run dies before it recovers: count once.
        inflight_left=len({json.dumps(e, sort_keys=True) for e in left_inflight}),
        interrupted_lines=len(interrupted),
        final_runs=runs,
        final_exit_codes=[code for code, _ in final],
        seconds=round(time.monotonic() - started, 1),
    )
    assert converged, (final, check.stdout[-2000:])
    assert killed >= kills // 2, "the runs were too short to be killed mid-way"
    assert not inflight.exists()
    recovered = {(ln["subscription"], ln["action"], ln.get("requestId")) for ln in interrupted}
    for entry in left_inflight:
        key = (entry["subscription"], entry["action"], entry.get("requestId"))
        assert key in recovered, f"in-flight write {entry} never became an interrupted line"
    problems = check_invariants(sc, before, after, lines) + check_final_state(sc, after)
    assert not problems, "\n".join(problems[:50])


def test_sigkill_then_rerun(tmp_path: Path, figures: Figures) -> None:
    crash_and_recover(tmp_path, 90, kills=5, rng_seed=5, figures=figures)


@pytest.mark.soak
@pytest.mark.parametrize("round_", range(5))
def test_sigkill_then_rerun_soak(tmp_path: Path, figures: Figures, round_: int) -> None:
    # 5 rounds x 10 kills = 50, each round on a fresh sandbox so that kills keep
    # landing among writes (a run that has little left to do ends before its kill).
    crash_and_recover(
        tmp_path, 300, kills=10, rng_seed=50 + round_, figures=figures, window=(1.0, 8.0)
    )
