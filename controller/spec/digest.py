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


def _relative(name: str, roots: Sequence[str]) -> str:
    """A file's name relative to the path argument it was found under: the same specs
    given as ``specs/``, ``./specs`` or ``/home/ci/repo/specs`` have the same digest."""
    shown = os.path.normpath(name)
    for root in sorted((os.path.normpath(r) for r in roots), key=len, reverse=True):
        if shown == root:
            return os.path.basename(shown)
        if shown.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(shown, root)
    return shown


def spec_digest(files: Sequence[str], roots: Sequence[str] = ()) -> str:
    """``sha256:<hex>`` over each file's name (relative to the argument of ``roots`` it
    came from) and content, in order."""
    digest = hashlib.sha256()
    for name in files:
        try:
            content = Path(name).read_bytes()
        except OSError as err:
            raise SpecErrors([SpecProblem(name, 1, 1, f"cannot read: {err.strerror}")]) from None
        digest.update(_relative(name, roots).encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(content).digest())
    return "sha256:" + digest.hexdigest()
