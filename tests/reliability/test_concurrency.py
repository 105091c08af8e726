"""Two ``apply`` processes started together on the same specs and sandbox.

Same folder, or two folders on one machine (two checkouts of one repository): the apply
lock, one per target and account per user, serialises them (the second waits, then finds
nothing left to do); renewals included, never two. Two machines (two CI runners, each
with its own lock folder, ``SUBCTL_LOCK_DIR``): only the marketplace's refusal of a
second open order and subctl's re-checks stand between them and duplicate orders; the
invariants must hold all the same, renewals left out (docs/reliability.md, "limits").
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.harness import (
    env_for,
    subctl,
)
from tests.reliability.conftest import Figures
from tests.reliability.scenario import (
    KINDS,
    check_final_state,
    check_invariants,
    make_scenario,
    read_journal,
    snapshot,
    start_on,
    stop,
)
from tests.support.served import process_env


def race(
    tmp_path: Path, n: int, *, shared_folder: bool, figures: Figures, one_machine: bool = True
) -> list[str]:
    # Without a shared lock, renewals cannot be made exactly-once: they complete at once,
    # so the marketplace has no open order to refuse, and two runs reading the same
    # expiry in the same instant both renew (docs/reliability.md, "limits").
    kinds = KINDS if one_machine else tuple(k for k in KINDS if k != "renew")
    sc = make_scenario(tmp_path / "specs", n, kinds=kinds)
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(sc.seed), encoding="utf-8")
    db = tmp_path / "sandbox.db"
    slow = start_on(db, seed_file, "--latency-ms", "20")
    clean = start_on(db, seed_file)
    folders = [tmp_path / "run"] * 2 if shared_folder else [tmp_path / "a", tmp_path / "b"]
    cmd = [
        sys.executable, "-m", "controller", "apply", *sc.paths, "--yes", "--format", "json",
        "--max-cancellations", "100000", "--lock-wait", "120s",
    ]  # fmt: skip
    started = time.monotonic()
    try:
        before = snapshot(db)
        procs = []
        for folder in folders:
            folder.mkdir(exist_ok=True)
            # One machine: one per-user lock folder; two machines: one each.
            locks = tmp_path / "locks" if one_machine else folder / "locks"
            procs.append(
                subprocess.Popen(
                    cmd,
                    cwd=folder,
                    env=process_env(env_for(slow) | {"SUBCTL_LOCK_DIR": str(locks)}),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        outs = [p.communicate(timeout=240) for p in procs]
        check = subctl(clean, "plan", *sc.paths, "--format", "json", "--detailed-exitcode")
    finally:
        stop(slow)
        stop(clean)
    after = snapshot(db)
    lines = [ln for f in dict.fromkeys(folders) for ln in read_journal(f / ".subctl/journal.jsonl")]
    figures(
        subscriptions=n,
        shared_folder=shared_folder,
        one_machine=one_machine,
        exit_codes=[p.returncode for p in procs],
        journal_lines=len(lines),
        already_open=sum(1 for ln in lines if ln.get("message") == "already-open"),
        seconds=round(time.monotonic() - started, 1),
    )
    for _, err in outs:
        assert "Traceback" not in err, err
    assert check.code == 0, check.stdout[-3000:]
    problems = check_invariants(sc, before, after, lines) + check_final_state(sc, after)
    assert not problems, "\n".join(problems[:50])
    return [err for _, err in outs]


def test_same_folder_second_waits_for_the_lock(tmp_path: Path, figures: Figures) -> None:
    errs = race(tmp_path, 60, shared_folder=True, figures=figures)
    assert sum("waiting up to 120s for subctl apply (pid" in e for e in errs) == 1, errs


def test_two_folders_on_one_machine_share_the_lock(tmp_path: Path, figures: Figures) -> None:
    # Regression (issue 16): the lock was per folder; two folders of one checkout
    # applied at once and placed duplicate renewals (invariant 2 caught them).
    errs = race(tmp_path, 60, shared_folder=False, figures=figures)
    assert sum("waiting up to 120s for subctl apply (pid" in e for e in errs) == 1, errs


def test_two_machines_rely_on_the_open_order_check(tmp_path: Path, figures: Figures) -> None:
    race(tmp_path, 60, shared_folder=False, figures=figures, one_machine=False)


@pytest.mark.soak
@pytest.mark.parametrize(
    ("shared_folder", "one_machine"), [(True, True), (False, True), (False, False)]
)
def test_concurrent_applies_soak(
    tmp_path: Path, figures: Figures, shared_folder: bool, one_machine: bool
) -> None:
    race(tmp_path, 400, shared_folder=shared_folder, figures=figures, one_machine=one_machine)
