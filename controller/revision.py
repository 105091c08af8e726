"""The git revision of the specs, recorded on every order subctl places (audit trail).

``GITHUB_SHA`` (set by GitHub Actions) wins; otherwise ``git rev-parse HEAD`` in the
folder of the first spec path, with ``-dirty`` appended when the spec paths have
uncommitted changes (``git status --porcelain`` on those paths, untracked files
included), so an order placed from edited, uncommitted specs never claims a commit
that does not hold them; otherwise unknown. Never fails a run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{7,64}$")


def spec_revision(paths: Sequence[str], environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    sha = env.get("GITHUB_SHA", "").strip().lower()
    if _SHA.match(sha):
        return sha
    git = shutil.which("git")
    if git is None or not paths:
        return None
    first = Path(paths[0])
    folder = first if first.is_dir() else first.parent
    out = _git(git, folder, ["rev-parse", "HEAD"], timeout=5)
    if out is None:
        return None
    sha = out.stdout.strip().lower()
    if out.returncode != 0 or not _SHA.match(sha):
        return None
    return sha if _clean(git, folder, paths) else f"{sha}-dirty"


def _clean(git: str, folder: Path, paths: Sequence[str]) -> bool:
    """Whether the spec paths (not the whole work tree: a stray file elsewhere does not
    change what was declared) have no uncommitted change, untracked spec files included.
    When git cannot tell (e.g. a spec path outside the repository), not clean."""
    targets = [str(Path(p).resolve()) for p in paths]
    out = _git(git, folder, ["status", "--porcelain", "--untracked-files=all", "--", *targets])
    if out is None:
        return False
    return out.returncode == 0 and not out.stdout.strip()


def _git(
    git: str, folder: Path, args: Sequence[str], *, timeout: float = 10
) -> subprocess.CompletedProcess[str] | None:
    """One git command in ``folder``; None when it cannot run at all (a revision is
    never worth failing a run for)."""
    try:
        return subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, *args],
            cwd=folder or Path("."),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
