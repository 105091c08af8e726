"""What an apply did: one ``StepOutcome`` per planned step, and the run's result.

Data only, beside the Plan it executes, so that ``controller/report`` can render apply
results without importing the executor (report stays pure).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from controller.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from controller.plan.model import Action, Issue, Plan


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    IN_PROGRESS = "in-progress"  # written, and the marketplace is still working on it
    NOT_ATTEMPTED = "not-attempted"  # an earlier step of the subscription failed, or refused


class StepOutcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subscriptionId: str
    action: Action
    outcome: Outcome
    message: str = ""
    orderId: str | None = None
    orderNumber: str | None = None
    correlationId: str | None = None


class ApplyResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    formatVersion: Literal[1] = 1
    startedAt: dt.datetime
    finishedAt: dt.datetime
    plan: Plan
    outcomes: tuple[StepOutcome, ...] = ()
    errors: tuple[Issue, ...] = ()  # plan errors, and orders still processing after --wait
    stillProcessing: tuple[str, ...] = Field(default=())
    waitedSeconds: float | None = None
    # True when a Ctrl-C stopped the run: steps not started are "not attempted".
    interrupted: bool | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome is outcome)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.stillProcessing and self.count(Outcome.FAILED) == 0

    def exit_code(self, journal_complete: bool = True) -> int:
        """``subctl apply``'s exit code: 130 when a Ctrl-C stopped it, else 0 when every
        step succeeded or is progressing, nothing is still processing after ``--wait``, no
        error was reported and every journal line was written; 1 otherwise."""
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_OK if self.ok and journal_complete else EXIT_ERROR

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True) + "\n"
