"""A one-time hint when subctl creates ``.subctl/`` where git would commit it.

``.subctl/`` holds local state (the embedded sandbox's database, the journal, the apply
lock) that must not be committed. When a command creates it inside a git work tree
that does not ignore it, one line on stderr says so; ``git check-ignore`` decides
(cheap, and right for every .gitignore, exclude file and global setting). Never fails
a run: no git, no repository, or any error means no hint.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

STATE_DIR = Path(".subctl")
HINT = (
    "subctl: created .subctl/ (local state: sandbox database, journal, lock) in a git "
    "work tree that does not ignore it; add '.subctl/' to .gitignore"
)


def not_ignored(folder: Path = STATE_DIR) -> bool:
    """True only when ``folder`` is inside a git work tree and git does not ignore it."""
    git = shutil.which("git")
    if git is None:
        return False
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "check-ignore", "-q", str(folder) + "/"],
            capture_output=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 1  # 0: ignored; 128: not a repository (or git failed)


def hint_if_created(existed_before: bool, say: Callable[[str], None]) -> None:
    """After a command: the hint, if the command created ``.subctl/`` and git sees it."""
    try:
        if existed_before or not STATE_DIR.is_dir():
            return
        if not_ignored():
            say(HINT)
    except OSError:
        return
