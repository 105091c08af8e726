"""The files a finished run left, which ``subctl notify`` reads: one frozen value.

Built by controller/cli.py from ``--result``, ``--summary`` and ``--journal`` and read by
controller/notify/run.py (``build_document``). Import-light (no models): cli.py builds it
before the command's body is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunFiles:
    """``--result`` (apply or plan ``--format json`` output), ``--summary``, ``--journal``."""

    result: Path | None = None
    summary: Path | None = None
    journal: Path | None = None
