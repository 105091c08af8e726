"""Hostile spec files: refused by validate, plan and apply with one located line each.

Each case must end with exit 1, every problem line ``path:line:col: message``, no
traceback, and not one write to the sandbox (its database is compared before/after).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Server, subctl
from tests.reliability.scenario import make_scenario, snapshot, start_on, stop

HEADER = "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: {name}\n"
ONE_SUB = "subscriptions:\n  - id: '3000000'\n    state: cancelled\n    cancellation:\n"
REASON = "      reason: {reason}\n"
LOCATED = re.compile(r"^\S.*:\d+:\d+: \S")
SUMMARY = re.compile(r"^(error: \d+ problem\(s\) in the spec files|\d+ errors? in \d+ files?)$")

Writer = Callable[[Path], Path]


def _spec(folder: Path, text: str, name: str = "evil.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def alias_bomb(folder: Path) -> Path:
    rows = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = "x-bomb:\n" + "".join(f"  {r}\n" for r in rows)
    return _spec(folder, HEADER.format(name="bomb") + bomb + ONE_SUB + REASON.format(reason="*a9"))


def deep_nesting(folder: Path) -> Path:
    deep = "[" * 5000 + "]" * 5000
    return _spec(folder, HEADER.format(name="deep") + ONE_SUB + REASON.format(reason=deep))


def huge_string(folder: Path) -> Path:
    big = "x" * (5 * 1024 * 1024 + 10)
    return _spec(folder, HEADER.format(name="huge") + ONE_SUB + REASON.format(reason=big))


def control_characters(folder: Path) -> Path:
    # Escapes YAML itself allows in double quotes: a terminal escape and a NUL.
    reason = '"moved \\e[2J\\e[31maway\\0 now"'
    return _spec(folder, HEADER.format(name="ctl") + ONE_SUB + REASON.format(reason=reason))


def control_in_key(folder: Path) -> Path:
    text = HEADER.format(name="key") + ONE_SUB + REASON.format(reason="gone away")
    return _spec(folder, text + '    "\\e]8;;http://evil\\a": 1\n')


def raw_control_bytes(folder: Path) -> Path:
    text = HEADER.format(name="raw") + ONE_SUB + REASON.format(reason="moved \x07\x1b away")
    return _spec(folder, text)


def path_in_set_name(folder: Path) -> Path:
    text = HEADER.format(name="../../etc/passwd") + ONE_SUB + REASON.format(reason="gone away")
    return _spec(folder, text)


def path_in_id(folder: Path) -> Path:
    text = HEADER.format(name="ids") + ONE_SUB.replace("'3000000'", "'../3000000'")
    return _spec(folder, text + REASON.format(reason="gone away"))


def symlink_outside(folder: Path) -> Path:
    outside = folder.parent / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    target = _spec(outside, HEADER.format(name="out") + ONE_SUB + REASON.format(reason="gone"))
    repo = folder / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    os.symlink(target, repo / "linked.yaml")
    return repo


def python_tag(folder: Path) -> Path:
    canary = folder / "pwned"
    reason = f"!!python/object/apply:os.system ['touch {canary}']"
    return _spec(folder, HEADER.format(name="tag") + ONE_SUB + REASON.format(reason=reason))


def non_utf8(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "latin1.yaml"
    text = HEADER.format(name="latin") + ONE_SUB + REASON.format(reason="caf\xe9 closed")
    path.write_bytes(text.encode("latin-1"))
    return path


CASES: list[Writer] = [
    alias_bomb,
    deep_nesting,
    huge_string,
    control_characters,
    control_in_key,
    raw_control_bytes,
    path_in_set_name,
    path_in_id,
    symlink_outside,
    python_tag,
    non_utf8,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hostile-sandbox")
    sc = make_scenario(folder / "specs", 9)
    seed = folder / "seed.json"
    seed.write_text(json.dumps(sc.seed), encoding="utf-8")
    started = start_on(folder / "sandbox.db", seed)
    yield started
    stop(started)


@pytest.mark.parametrize("write", CASES, ids=[c.__name__ for c in CASES])
def test_hostile_spec_refused_without_a_write(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Writer
) -> None:
    monkeypatch.chdir(tmp_path)
    target = str(write(tmp_path / "case"))
    before = snapshot(server.db)
    for args in (
        ["validate", target],
        ["plan", target],
        ["apply", target, "--yes", "--journal", "j.jsonl"],
    ):
        result = subctl(server, *args)
        assert result.code == 1, (args, result.stdout, result.stderr[:2000])
        assert "Traceback" not in result.stderr + result.stdout
        problems = [ln for ln in result.stderr.splitlines() if not SUMMARY.match(ln)]
        assert problems, result.stderr[:2000]
        assert len(problems) <= 2, problems  # one line per problem, never a dump
        for line in problems:
            assert LOCATED.match(line), line
            assert len(line) < 400, line[:400]
            assert "\x1b" not in line
            assert "\x00" not in line
    assert snapshot(server.db) == before
    assert not (tmp_path / "case" / "pwned").exists()
    assert not Path("j.jsonl").exists()


@pytest.mark.parametrize("planted", ["journal.jsonl"])
def test_symlink_planted_under_dot_subctl(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planted: str
) -> None:
    # A repository can commit .subctl/<file> as a symlink to something of the runner's.
    # (The apply lock is no longer under .subctl/ but in a per-user folder, issue 16;
    # a symlink at its path is refused the same way: tests/apply/test_lock.py.)
    monkeypatch.chdir(tmp_path)
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (tmp_path / ".subctl").mkdir()
    (tmp_path / ".subctl" / planted).symlink_to(precious)
    specs = tmp_path / "specs"
    make_scenario(specs, 9, unmanaged=0)  # the module's server holds the same ids
    before = snapshot(server.db)
    result = subctl(server, "apply", str(specs), "--yes", "--max-cancellations", "100")
    assert result.code == 1, result.stdout + result.stderr
    assert f".subctl/{planted}: it is a symlink" in result.stderr
    assert "Traceback" not in result.stderr
    assert precious.read_text() == "keep me\n"
    assert snapshot(server.db) == before
