"""One reconcile run: observe -> plan -> guards -> confirm -> execute -> wait.

The orchestration both ``subctl plan`` and ``subctl apply`` share (their command bodies
are controller/commands/plan.py and apply.py, which add the output around it). The
order is fixed so that no write happens before every guard has passed: the specs are
loaded and checked (``load``) before the first call to the marketplace; then for apply
the saved plan's origin (target, spec digest), a fresh plan, the saved plan's
staleness, the run's guards (controller/plan/guards.py: cancellations, renewal terms,
cost), confirmation; then the executor runs, then ``--wait`` follows approved orders.
``apply`` returns an ``ApplyResult``, whose ``exit_code`` is the command's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import anyio

from controller.apply.executor import Executor, ExecutorOptions
from controller.apply.interrupt import Interrupt
from controller.apply.journal import Journal
from controller.apply.wait import wait_for_vendor
from controller.defaults import STUCK_AFTER_HOURS, WARN_DAYS
from controller.errors import ConfigError, GuardError, Interrupted
from controller.gctune import freeze_loaded
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import Order, OrderStatus
from controller.marketplace.settings import ApiSettings
from controller.observe import observe_and_plan
from controller.plan.guards import GuardLimits, refusal_text, with_refusals
from controller.plan.inputs import PlanOptions
from controller.plan.model import Issue, IssueCode, Plan, ProgressKind, Refusal
from controller.plan.outcome import ApplyResult, Outcome, StepOutcome
from controller.plan.saved import check_fresh, check_origin
from controller.plan.targeting import check_targets, restrict
from controller.revision import spec_revision
from controller.spec.digest import spec_digest
from controller.spec.loader import load_specs
from controller.spec.models import DesiredState
from controller.target import describe, open_client

T = TypeVar("T")


@dataclass(frozen=True)
class Planning:
    """What a plan is made from besides live state: the spec paths and the rules' knobs
    (``--stuck-after`` in seconds, ``--warn-days``)."""

    paths: tuple[str, ...]
    stuck_after: float = STUCK_AFTER_HOURS * 3600.0
    warn_days: int = WARN_DAYS


@dataclass(frozen=True)
class Scope:
    """What a run may touch: ``--only`` / ``--customer`` (a partial plan,
    controller/plan/targeting.py) and the guards' limits (controller/plan/guards.py),
    shown by plan and enforced by apply."""

    only: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    limits: GuardLimits = field(default_factory=GuardLimits)

    def applied_to(self, plan: Plan) -> Plan:
        """``plan`` narrowed to the targets, with the refusals its guards make."""
        return with_refusals(restrict(plan, self.only, self.customers), self.limits)


@dataclass(frozen=True)
class ApplyOptions:
    """How apply runs: its scope, how many subscriptions at once, and ``--wait``."""

    scope: Scope = field(default_factory=Scope)
    concurrency: int = 8
    wait_seconds: float | None = None
    poll_interval: float = 2.0


def load(planning: Planning, scope: Scope, *, saved: bool = False) -> DesiredState:
    """The specs, loaded and checked against the targeting: every user mistake in them is
    reported before the first call to the marketplace."""
    desired = load_specs(planning.paths)
    freeze_loaded()
    check_targets(desired, scope.only)
    if saved and (scope.only or scope.customers):
        raise ConfigError(
            "--only/--customer cannot be combined with --plan: a saved plan keeps the "
            "targeting it was made with"
        )
    return desired


def plan_options(planning: Planning, settings: ApiSettings, desired: DesiredState) -> PlanOptions:
    return PlanOptions(
        now=dt.datetime.now(dt.UTC),
        target=describe(settings),
        revision=spec_revision(planning.paths),
        stuck_after=dt.timedelta(seconds=planning.stuck_after),
        warn_days=planning.warn_days,
        spec_paths=planning.paths,
        spec_digest=spec_digest(desired.files, planning.paths),
    )


def run_async(body: Callable[[], Awaitable[T]]) -> T:
    """``anyio.run(body)``, with the result handed out through a list rather than as the
    event loop's task result: asyncio's repr of a finished task shows its result, anyio
    formats such reprs while closing connections, and a 10,000-subscription plan (or an
    apply result holding it) takes ~0.1 s to repr each time."""
    out: list[T] = []

    async def keep() -> None:
        out.append(await body())

    anyio.run(keep)
    return out[0]


def plan(
    settings: ApiSettings,
    desired: DesiredState,
    options: PlanOptions,
    scope: Scope,
    announce: Callable[[str], None],
) -> Plan:
    """``subctl plan``: observe and plan, then the scope's targets and guards (the guards
    apply would enforce, shown now: a PR is not merged green to be refused)."""
    interrupt = Interrupt()

    async def go() -> Plan | None:
        # The first Ctrl-C stops the plan at once (asyncio alone may swallow it).
        with interrupt.installed(), interrupt.cancels():
            async with open_client(settings, announce=announce) as client:
                return await observe_and_plan(client, desired, options)
        return None

    made = run_async(go)
    if made is None or interrupt.requested:
        raise Interrupted("interrupted; no plan was made")
    return scope.applied_to(made)


def _refuse(refusal: Refusal) -> GuardError:
    return GuardError(refusal_text((refusal,)), refusal.kind.value)


async def _fresh_plan(
    client: MarketplaceClient,
    desired: DesiredState,
    plan_options: PlanOptions,
    options: ApplyOptions,
    saved_plan: Plan | None,
    interrupt: Interrupt,
) -> Plan:
    """The plan this run executes: always made afresh, with the run's guards evaluated
    and, for ``--plan``, refused unless it equals the saved one (controller/plan/saved.py)."""
    scope = options.scope
    if saved_plan is not None:
        # Never executed as read: the specs and target must be the plan's, and a fresh
        # plan must do exactly what it says.
        refusal = check_origin(
            saved_plan, target=plan_options.target, spec_digest=plan_options.spec_digest or ""
        )
        if refusal is not None:
            raise _refuse(refusal)
        if saved_plan.targeting is not None:  # a reviewed partial plan stays partial
            targeting = saved_plan.targeting
            scope = replace(scope, only=targeting.only, customers=targeting.customers)
    with interrupt.cancels():  # a Ctrl-C while planning: nothing written, stop now
        fresh = await observe_and_plan(client, desired, plan_options)
    if interrupt.requested:
        raise Interrupted("interrupted while planning; nothing was written")
    plan = scope.applied_to(fresh)
    if saved_plan is not None and (refusal := check_fresh(saved_plan, plan)) is not None:
        plan = plan.model_copy(update={"refusals": (refusal, *plan.refusals)})
    return plan


async def apply(
    client: MarketplaceClient,
    desired: DesiredState,
    plan_options: PlanOptions,
    options: ApplyOptions,
    journal: Journal,
    *,
    saved_plan: Plan | None = None,
    confirm: Callable[[Plan], bool] = lambda _plan: True,
    on_plan: Callable[[Plan], None] | None = None,
    on_step: Callable[[StepOutcome], None] | None = None,
    on_order_done: Callable[[Order], None] | None = None,
    interrupt: Interrupt | None = None,
) -> ApplyResult:
    started = dt.datetime.now(dt.UTC)
    interrupt = interrupt or Interrupt()
    plan = await _fresh_plan(client, desired, plan_options, options, saved_plan, interrupt)
    if on_plan is not None:
        on_plan(plan)
    if plan.refusals:
        raise GuardError(refusal_text(plan.refusals), plan.refusals[0].kind.value)
    if plan.has_changes and not confirm(plan):
        raise GuardError("apply not confirmed; nothing was written", "no-confirmation")
    if interrupt.requested:  # Ctrl-C while the plan was shown: still nothing written
        raise Interrupted("interrupted before writing; nothing was written")
    interrupt.writing = True
    journal.ensure_writable()  # before recovering or writing anything
    journal.recover()
    executor = Executor(
        client,
        journal,
        ExecutorOptions(
            concurrency=options.concurrency,
            revision=plan_options.revision,
            stop=interrupt.stop_requested,
        ),
        on_step=on_step,
    )
    try:
        report = await executor.run(plan)
    finally:
        journal.close()  # removes the in-flight file unless a write was left in flight
    errors = list(plan.errors)  # failed steps are outcomes, not repeated here
    outcomes = list(report.outcomes)
    still: list[str] = []
    waited: float | None = None
    if options.wait_seconds is not None and not interrupt.requested:
        outcomes, still, unfinished, waited = await _wait(
            client, plan, report.approved, outcomes, options, interrupt, on_order_done
        )
        errors += unfinished
    return ApplyResult(
        startedAt=started,
        finishedAt=dt.datetime.now(dt.UTC),
        plan=plan,
        outcomes=tuple(outcomes),
        errors=tuple(errors),
        stillProcessing=tuple(still),
        waitedSeconds=waited,
        interrupted=True if interrupt.requested else None,
    )


async def _wait(
    client: MarketplaceClient,
    plan: Plan,
    approved: list[str],
    outcomes: list[StepOutcome],
    options: ApplyOptions,
    interrupt: Interrupt,
    on_order_done: Callable[[Order], None] | None,
) -> tuple[list[StepOutcome], list[str], list[Issue], float | None]:
    """``--wait``: follow the orders subctl approved (now or in an earlier run) until the
    vendor completes them or the time is up; returns the outcomes updated, the orders
    still processing with one error each, and the seconds waited."""
    assert options.wait_seconds is not None
    follow = list(approved) + [
        p.orderId
        for p in plan.inProgress
        if p.kind is ProgressKind.WAITING_FOR_VENDOR and p.orderId and p.placedBySubctl
    ]
    if not follow:
        return outcomes, [], [], None
    before = dt.datetime.now(dt.UTC)
    finished: dict[str, Order] = {}

    def done(order: Order) -> None:
        finished[order.id] = order
        if on_order_done is not None:
            on_order_done(order)

    left: list[tuple[str, Order | None]] | None = None
    with interrupt.cancels():  # Ctrl-C cuts the wait short; the orders go on
        left = await wait_for_vendor(
            client,
            follow,
            options.wait_seconds,
            poll_interval=options.poll_interval,
            on_done=done,
        )
    if left is None:  # interrupted: whatever had not finished is still processing
        left = [(order_id, None) for order_id in follow if order_id not in finished]
    waited = (dt.datetime.now(dt.UTC) - before).total_seconds()
    why = (
        "when Ctrl-C stopped the wait"
        if interrupt.requested
        else f"after --wait {options.wait_seconds:g}s"
    )
    still, unfinished = _still_processing(left, _known_orders(plan, outcomes), why)
    return [_after_wait(o, finished) for o in outcomes], still, unfinished, waited


def _still_processing(
    left: list[tuple[str, Order | None]], known: dict[str, tuple[str | None, str]], why: str
) -> tuple[list[str], list[Issue]]:
    """The orders still processing when the wait ended: their names, and one error each."""
    names: list[str] = []
    issues: list[Issue] = []
    for order_id, order in left:
        number, sub_id = known.get(order_id, (None, ""))
        name = (order.orderNumber if order else None) or number or order_id
        names.append(name)
        issues.append(
            Issue(
                subscriptionId=(order.subscriptionId if order else None) or sub_id,
                code=IssueCode.STILL_PROCESSING,
                message=f"order {name} still processing {why}",
                orderId=order_id,
            )
        )
    return names, issues


def _known_orders(plan: Plan, outcomes: list[StepOutcome]) -> dict[str, tuple[str | None, str]]:
    """Order id -> (order number, subscription) from the run so far: names the orders a
    cut-short wait never read."""
    known = {p.orderId: (p.orderNumber, p.subscriptionId) for p in plan.inProgress if p.orderId}
    known.update({o.orderId: (o.orderNumber, o.subscriptionId) for o in outcomes if o.orderId})
    return known


def _after_wait(outcome: StepOutcome, finished: dict[str, Order]) -> StepOutcome:
    """An approve step whose order the vendor finished while we waited."""
    order = finished.get(outcome.orderId or "")
    if order is None or outcome.outcome is not Outcome.IN_PROGRESS:
        return outcome
    if order.status is OrderStatus.COMPLETED:
        return outcome.model_copy(
            update={
                "outcome": Outcome.SUCCEEDED,
                "message": f"cancellation order {order.display_name} completed by "
                "the vendor; the subscription is cancelled",
            }
        )
    return outcome.model_copy(
        update={
            "outcome": Outcome.FAILED,
            "message": f"order {order.display_name} ended {order.status_text} at the vendor",
        }
    )
