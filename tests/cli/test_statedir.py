"""The one-time .gitignore hint when subctl creates .subctl/ in a git work tree (issue 14)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.cli import main
from controller.statedir import HINT

ENV = {"SUBCTL_API_URL": "sandbox", "CI": ""}


def _git_init(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


def _export_stderr() -> tuple[int, str]:
    # export against the embedded sandbox creates .subctl/ (its database)
    result = CliRunner().invoke(main, ["export"], env=ENV)
    return result.exit_code, result.stderr


def test_hint_once_in_a_repository_that_does_not_ignore_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _git_init(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, err = _export_stderr()
    assert code == 0
    assert HINT in err
    code, err = _export_stderr()  # .subctl/ exists now: not again
    assert code == 0
    assert HINT not in err


def test_no_hint_when_ignored_or_outside_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git_init(repo)
    (repo / ".gitignore").write_text(".subctl/\n", encoding="utf-8")
    monkeypatch.chdir(repo)
    assert HINT not in _export_stderr()[1]
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.chdir(plain)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert HINT not in _export_stderr()[1]
    assert (plain / ".subctl").is_dir()
