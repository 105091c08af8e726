"""A digest of the spec files a run read: which files, and their exact bytes.

Part of the spec stage, used after loading. ``plan --out`` records it in the plan;
``apply --plan`` computes it again and refuses when it differs ("specs changed since the
plan"), so a saved plan is only ever applied to the specs that were reviewed with it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from controller.errors import SpecErrors, SpecProblem


def spec_digest(files: Sequence[str]) -> str:
    """``sha256:<hex>`` over each file's name (as shown in messages) and content, in order."""
    digest = hashlib.sha256()
    for name in files:
        try:
            content = Path(name).read_bytes()
        except OSError as err:
            raise SpecErrors([SpecProblem(name, 1, 1, f"cannot read: {err.strerror}")]) from None
        # Normalised: "specs/a.yaml" and "./specs/a.yaml" are the same file to a reviewer.
        shown = os.path.normpath(name)
        digest.update(shown.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(content).digest())
    return "sha256:" + digest.hexdigest()
