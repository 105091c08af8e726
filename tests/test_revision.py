"""The spec revision recorded on orders."""

import subprocess
from pathlib import Path

from controller.revision import spec_revision

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_github_sha_wins(tmp_path: Path) -> None:
    assert spec_revision([str(tmp_path)], {"GITHUB_SHA": SHA}) == SHA


def _git(repo: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def test_git_head_of_the_spec_folder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.yaml").write_text("x: 1\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "x")
    assert spec_revision([str(repo / "a.yaml")], {}) == _git(repo, "rev-parse", "HEAD")


def test_unknown_outside_git(tmp_path: Path) -> None:
    assert spec_revision([str(tmp_path)], {"GITHUB_SHA": "not-a-sha"}) is None
