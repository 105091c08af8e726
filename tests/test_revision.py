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


def test_uncommitted_spec_changes_mark_the_revision_dirty(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "specs" / "a.yaml").write_text("x: 1\n")
    (repo / "notes.txt").write_text("elsewhere\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "x")
    head = _git(repo, "rev-parse", "HEAD")
    specs = str(repo / "specs")
    assert spec_revision([specs], {}) == head
    (repo / "notes.txt").write_text("changed, but not a spec\n")
    assert spec_revision([specs], {}) == head
    (repo / "specs" / "a.yaml").write_text("x: 2\n")
    assert spec_revision([specs], {}) == f"{head}-dirty"
    _git(repo, "checkout", "--", "specs/a.yaml")
    (repo / "specs" / "new.yaml").write_text("y: 1\n")  # untracked spec file
    assert spec_revision([specs], {}) == f"{head}-dirty"
    assert spec_revision([specs], {"GITHUB_SHA": SHA}) == SHA  # CI wins
