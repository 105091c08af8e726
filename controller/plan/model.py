"""The Plan: a frozen value that alone drives apply (Terraform's "plan is data").

Produced by the pure planner (``planner.py``) from desired and live state, rendered
by ``controller/report/``, saved with ``plan --out`` as JSON (``formatVersion`` 1,
documented in docs/plan-format.md) and executed step by step by ``controller/apply``.
A saved plan is checked, not trusted: ``apply --plan`` plans again from the specs and
live state and runs only when the fresh plan's steps equal the saved ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from controller.defaults import STUCK_AFTER_HOURS
from controller.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_REFUSED

FORMAT_VERSION = 1


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Action(StrEnum):
    """What a step does; the only writes subctl ever makes."""

    SET_AUTO_RENEW = "set-auto-renew"
    RENEW = "renew"
    CANCEL = "cancel"
    APPROVE = "approve"
    WITHDRAW = "withdraw"


class IssueCode(StrEnum):
    """Why a declared subscription cannot be brought to its declared state."""

    NOT_FOUND = "not-found"
    GUARD_MISMATCH = "guard-mismatch"
    ON_HOLD = "on-hold"
    IRREVERSIBLE = "irreversible"
    PORTAL_CANCELLATION = "portal-cancellation"
    ORDER_ERROR = "order-error"
    PROTECTED = "protected"
    UNKNOWN_PERIOD = "unknown-period"
    STILL_PROCESSING = "still-processing"
    UNREADABLE = "unreadable"  # a read this subscription needed failed; retried next run


class ProgressKind(StrEnum):
    """Operations under way that need no write from subctl now."""

    PROVISIONING = "provisioning"
    AWAITING_MANUAL_APPROVAL = "awaiting-manual-approval"
    WAITING_FOR_VENDOR = "waiting-for-vendor"


class RefusalKind(StrEnum):
    """Which guard refuses the whole run (exit 3, nothing written)."""

    MAX_CANCELLATIONS = "max-cancellations"
    MAX_RENEWAL_TERMS = "max-renewal-terms"
    MAX_COST = "max-cost"
    # apply --plan only: the saved plan is not what this run would do
    STALE_PLAN = "stale-plan"
    SPECS_CHANGED = "specs-changed"
    TARGET_MISMATCH = "target-mismatch"


class Refusal(_Value):
    """A guard that refuses this plan: shown by plan, enforced by apply."""

    kind: RefusalKind
    message: str
    subscriptionId: str | None = None


class Price(_Value):
    amount: str
    currency: str

    @property
    def value(self) -> Decimal:
        return Decimal(self.amount)


class _StepBase(_Value):
    """What every step has; ``action`` tells which of the ``Step`` variants it is."""

    action: Action
    subscriptionId: str
    customerId: str
    description: str


class SetAutoRenewStep(_StepBase):
    action: Literal[Action.SET_AUTO_RENEW] = Action.SET_AUTO_RENEW
    autoRenew: bool


class RenewStep(_StepBase):
    action: Literal[Action.RENEW] = Action.RENEW
    terms: int  # how many renewal orders
    fromExpiry: dt.date
    newExpiry: dt.date
    renewThrough: dt.date  # the declared target; apply stops there
    pricePerTerm: Price | None = None  # absent: no estimate was available
    price: Price | None = None  # pricePerTerm x terms


class CancelStep(_StepBase):
    action: Literal[Action.CANCEL] = Action.CANCEL
    reason: str


class ApproveStep(_StepBase):
    action: Literal[Action.APPROVE] = Action.APPROVE
    orderId: str | None = None  # absent: the order the cancel step before it places
    orderNumber: str | None = None


class WithdrawStep(_StepBase):
    action: Literal[Action.WITHDRAW] = Action.WITHDRAW
    orderId: str
    orderNumber: str | None = None


# One write. A tagged union on ``action``: each variant has the fields its action needs,
# and a plan file with an unknown action is refused when it is read. The JSON is the
# same as when Step was one model with optional fields: plans are written with
# exclude_none, so a field a variant lacks was never written for that action.
Step = Annotated[
    SetAutoRenewStep | RenewStep | CancelStep | ApproveStep | WithdrawStep,
    Field(discriminator="action"),
]


def acted_on(step: Step) -> tuple[str | None, str | None]:
    """``(orderId, orderNumber)`` of the existing order an approve or withdraw step acts
    on; ``(None, None)`` for the other actions (and an approve of the order placed by the
    cancel step before it)."""
    if isinstance(step, ApproveStep | WithdrawStep):
        return step.orderId, step.orderNumber
    return None, None


class Issue(_Value):
    """An error for one subscription; the others are still planned."""

    subscriptionId: str
    code: IssueCode
    message: str
    source: str | None = None
    orderId: str | None = None


class InProgress(_Value):
    subscriptionId: str
    kind: ProgressKind
    message: str
    orderId: str | None = None
    orderNumber: str | None = None
    placedBySubctl: bool | None = None  # apply --wait follows only subctl's own orders


class Change(_Value):
    """One field that differs between declared and live; our own type, not deepdiff's."""

    field: str
    desired: str
    live: str


class Drift(_Value):
    """A subscription in ``mode: observe`` that differs from its declaration."""

    subscriptionId: str
    changes: tuple[Change, ...]
    source: str | None = None


class StuckOrder(_Value):
    subscriptionId: str
    orderId: str
    orderNumber: str | None = None
    type: str
    status: str
    ageHours: float


class Warning_(_Value):
    """Something a reviewer should see that is not an error (e.g. renewal horizon)."""

    subscriptionId: str | None = None
    message: str


# A slotted pydantic dataclass, not a BaseModel: a plan holds one per declared subscription
# (100,000 in a large repository), and a BaseModel instance carries a __dict__ and a
# fields-set of its own (~1.5 KB each against ~0.3 KB). Validation, JSON and equality
# are the same; copies are made with ``dataclasses.replace``.
@pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=ConfigDict(extra="forbid"))
class SubscriptionPlan:
    """Everything the plan says about one declared subscription."""

    id: str
    name: str | None = None
    customerId: str | None = None
    source: str
    mode: Literal["enforce", "observe"] = "enforce"
    desiredState: Literal["active", "cancelled"]
    liveStatus: str | None = None
    autoRenew: bool | None = None
    expirationDate: dt.date | None = None
    renewalDate: dt.date | None = None
    daysToRenewal: int | None = None
    fingerprint: str | None = None
    steps: tuple[Step, ...] = ()
    withdrawnOrders: tuple[str, ...] = ()
    status: Literal["change", "in-sync", "in-progress", "error", "drift"] = "in-sync"


class Totals(_Value):
    """Per-action counts and money, always shown even when details are folded."""

    changes: int = 0
    byAction: dict[str, int] = Field(default_factory=dict)
    cost: dict[str, str] = Field(default_factory=dict)  # currency -> amount
    inProgress: int = 0
    errors: int = 0
    drift: int = 0
    stuck: int = 0
    inSync: int = 0
    unmanaged: int = 0
    managed: int = 0

    @field_validator("byAction", "cost", mode="after")
    @classmethod
    def _sorted(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Sorted here, whatever built it (planner or a saved plan), so the JSON is stable.
        return dict(sorted(value.items()))


class Targeting(_Value):
    """``--only`` / ``--customer`` (like terraform -target): a partial plan.

    Only the declared subscriptions named by id, or belonging to one of the customers,
    are planned; ``notTargeted`` counts the other declared ones (not unmanaged: they are
    declared, just left out of this run)."""

    only: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    notTargeted: int = 0


class Plan(_Value):
    formatVersion: Literal[1] = 1
    createdAt: dt.datetime
    target: str
    revision: str | None = None
    stuckAfterHours: float = float(STUCK_AFTER_HOURS)
    subscriptions: tuple[SubscriptionPlan, ...] = ()
    errors: tuple[Issue, ...] = ()
    inProgress: tuple[InProgress, ...] = ()
    drift: tuple[Drift, ...] = ()
    stuck: tuple[StuckOrder, ...] = ()
    warnings: tuple[Warning_, ...] = ()
    unmanagedCount: int = 0
    totals: Totals = Field(default_factory=Totals)
    # Guards the run's limits refuse (controller/plan/guards.py); apply refuses when any.
    refusals: tuple[Refusal, ...] = ()
    # What the plan was made from, checked by apply --plan (controller/plan/saved.py):
    # the spec paths as given, and a digest of the spec files' names and content.
    specPaths: tuple[str, ...] = ()
    specDigest: str | None = None
    targeting: Targeting | None = None  # absent: every declared subscription was planned

    @model_validator(mode="before")
    @classmethod
    def _derived_fields_are_not_input(cls, data: Any) -> Any:
        # ``changes`` is written for readers (below) and derived again on reading, so a
        # plan's JSON parses back whatever it says there (apply --plan never trusts it).
        if isinstance(data, dict) and "changes" in data:
            return {k: v for k, v in data.items() if k != "changes"}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def changes(self) -> tuple[Step, ...]:
        """Every step of the plan in order, listed apart like errors, inProgress and drift
        (DESIGN.md section 7: "the plan lists, separately: changes, ..."); the same steps
        as ``subscriptions[].steps``."""
        return self.steps

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for sub in self.subscriptions for step in sub.steps)

    @property
    def has_changes(self) -> bool:
        return any(sub.steps for sub in self.subscriptions)

    @property
    def cancellations(self) -> int:
        """Subscriptions this plan would cancel: a cancel order placed, or a pending
        cancellation approved (the --max-cancellations guard counts both)."""
        return sum(
            1
            for sub in self.subscriptions
            if any(step.action in (Action.CANCEL, Action.APPROVE) for step in sub.steps)
        )

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        return cls.model_validate_json(text)

    def exit_code(self, detailed: bool) -> int:
        """``subctl plan``'s exit code (docs/plan-format.md): errors first (1), then with
        ``--detailed-exitcode`` a refusal (3) over changes (2); otherwise 0."""
        if self.errors:
            return EXIT_ERROR
        if detailed and self.refusals:
            return EXIT_REFUSED
        if detailed and self.has_changes:
            return EXIT_CHANGES
        return EXIT_OK
