"""The git revision of the specs, recorded on every order subctl places (audit trail).

``GITHUB_SHA`` (set by GitHub Actions) wins; otherwise ``git rev-parse HEAD`` in the
folder of the first spec path; otherwise unknown. Never fails a run.
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
    try:
        out = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [git, "rev-parse", "HEAD"],
            cwd=folder or Path("."),
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip().lower()
    return sha if out.returncode == 0 and _SHA.match(sha) else None
