"""A progress bar for long applies, on stderr, only when stderr is a terminal.

Started by ``subctl apply`` (controller/commands/apply.py) only after the confirmation was
answered. Lines printed while it runs (orders completed, Ctrl-C notes) go through
``say``: rich prints them above the bar instead of gluing them to it.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from controller.plan.outcome import StepOutcome


class StepProgress:
    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def start(self, total: int) -> None:
        if not self.enabled or total == 0:
            return
        self._progress = Progress(
            TextColumn("applying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task("apply", total=total)

    def say(self, line: str) -> None:
        """One line on stderr, above the bar while it runs (never glued to it)."""
        if self._progress is not None:
            # Text, not str: the line may hold user text that must not read as markup.
            self._progress.console.print(Text(line), soft_wrap=True)
        else:
            print(line, file=sys.stderr, flush=True)

    def advance(self, _outcome: StepOutcome) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
