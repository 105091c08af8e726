"""Option values shared by several commands, each built once by controller/cli.py.

``Output`` (how results are shown and where the summary goes) and ``Connection`` (which
marketplace). The planning options (``Planning``, ``Scope``, ``ApplyOptions``) live in
controller/reconcile.py, which uses them. Import-light: cli.py builds these before
knowing whether the command will need httpx.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from controller.statedir import STATE_DIR

if TYPE_CHECKING:
    from controller.marketplace.settings import ApiSettings

Format = Literal["text", "json", "markdown"]
# What apply writes and status reads when --journal is not given.
DEFAULT_JOURNAL = STATE_DIR / "journal.jsonl"


@dataclass(frozen=True)
class Output:
    """``--format``, colour, ``-q`` and ``--summary`` of plan and apply."""

    fmt: Format = "text"
    color: bool = True
    quiet: bool = False
    summary: Path | None = None

    @property
    def rich(self) -> bool:
        return self.color and sys.stdout.isatty()

    def width(self) -> int | None:
        """The terminal's real width (COLUMNS honoured) for rich output; None for a pipe,
        whose plain text is never wrapped."""
        if not self.rich:
            return None
        from rich.console import Console  # noqa: PLC0415 - rich only when shown

        return Console(file=sys.stdout).width


@dataclass(frozen=True)
class Connection:
    """``--api-url`` and ``--marketplace`` (given after the command, else before it)."""

    api_url: str | None = None
    marketplace: str | None = None

    def settings(self) -> ApiSettings:
        """The marketplace settings, from these options and the ``SUBCTL_*`` environment;
        a ``ConfigError`` when no target is chosen under CI."""
        from controller.marketplace.settings import ApiSettings  # noqa: PLC0415 - pydantic

        return ApiSettings.from_env(self.api_url, marketplace_option=self.marketplace)
