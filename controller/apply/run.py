"""One ``subctl apply``: plan (or load a saved plan), guards, execute, wait.

The order is fixed so that no write happens before every guard has passed:
stale-plan check, ``--max-cancellations``, confirmation; then the executor runs,
then ``--wait`` follows approved orders. Returns an ``ApplyResult``; the CLI maps it
to an exit code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from controller.apply.executor import Executor, ExecutorOptions
from controller.apply.journal import Journal
from controller.apply.wait import wait_for_vendor
from controller.errors import GuardError
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import Order, OrderStatus
from controller.observe import collect_live, observe_and_plan
from controller.plan.fingerprint import fingerprint
from controller.plan.inputs import PlanOptions
from controller.plan.model import Issue, IssueCode, Plan, ProgressKind
from controller.plan.outcome import ApplyResult, Outcome, StepOutcome
from controller.spec.models import DesiredState


@dataclass(frozen=True)
class ApplyOptions:
    max_cancellations: int = 5
    concurrency: int = 8
    wait_seconds: float | None = None
    poll_interval: float = 2.0


def check_max_cancellations(plan: Plan, limit: int) -> None:
    if plan.cancellations > limit:
        raise GuardError(
            f"refusing to apply: the plan cancels {plan.cancellations} subscriptions, "
            f"more than --max-cancellations {limit}; nothing was written"
        )


async def check_not_stale(client: MarketplaceClient, plan: Plan, options: PlanOptions) -> None:
    """Refuse a saved plan when any subscription it touches changed since it was made."""
    touched = [s for s in plan.subscriptions if s.steps]
    if not touched:
        return
    live = await collect_live(client, (s.id for s in touched), options)
    changed = [
        s.id
        for s in touched
        if fingerprint(live.subscriptions.get(s.id), live.orders.get(s.id, ())) != s.fingerprint
    ]
    if changed:
        shown = ", ".join(changed[:10]) + (
            f" and {len(changed) - 10} more" if len(changed) > 10 else ""
        )
        raise GuardError(
            f"refusing to apply a stale plan: live state of {shown} changed since the plan "
            "was made; run plan again"
        )


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
) -> ApplyResult:
    started = dt.datetime.now(dt.UTC)
    if saved_plan is not None:
        await check_not_stale(client, saved_plan, plan_options)
        plan = saved_plan
    else:
        plan = await observe_and_plan(client, desired, plan_options)
    if on_plan is not None:
        on_plan(plan)
    check_max_cancellations(plan, options.max_cancellations)
    if plan.has_changes and not confirm(plan):
        raise GuardError("apply not confirmed; nothing was written")
    journal.ensure_writable()  # before recovering or writing anything
    journal.recover()
    executor = Executor(
        client,
        journal,
        ExecutorOptions(concurrency=options.concurrency, revision=plan_options.revision),
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
    if options.wait_seconds is not None:
        follow = list(report.approved) + [
            p.orderId
            for p in plan.inProgress
            if p.kind is ProgressKind.WAITING_FOR_VENDOR and p.orderId and p.placedBySubctl
        ]
        if follow:
            before = dt.datetime.now(dt.UTC)
            finished: dict[str, Order] = {}

            def done(order: Order) -> None:
                finished[order.id] = order
                if on_order_done is not None:
                    on_order_done(order)

            left = await wait_for_vendor(
                client,
                follow,
                options.wait_seconds,
                poll_interval=options.poll_interval,
                on_done=done,
            )
            waited = (dt.datetime.now(dt.UTC) - before).total_seconds()
            outcomes = [_after_wait(o, finished) for o in outcomes]
            for order_id, order in left:
                name = (order.orderNumber if order else None) or order_id
                still.append(name)
                errors.append(
                    Issue(
                        subscriptionId=(order.subscriptionId if order else None) or "",
                        code=IssueCode.STILL_PROCESSING,
                        message=f"order {name} still processing after --wait "
                        f"{options.wait_seconds:g}s",
                        orderId=order_id,
                    )
                )
    return ApplyResult(
        startedAt=started,
        finishedAt=dt.datetime.now(dt.UTC),
        plan=plan,
        outcomes=tuple(outcomes),
        errors=tuple(errors),
        stillProcessing=tuple(still),
        waitedSeconds=waited,
    )


def _after_wait(outcome: StepOutcome, finished: dict[str, Order]) -> StepOutcome:
    """An approve step whose order the vendor finished while we waited."""
    order = finished.get(outcome.orderId or "")
    if order is None or outcome.outcome is not Outcome.IN_PROGRESS:
        return outcome
    if order.status is OrderStatus.COMPLETED:
        return outcome.model_copy(
            update={
                "outcome": Outcome.SUCCEEDED,
                "message": f"cancellation order {order.orderNumber or order.id} completed by "
                "the vendor; the subscription is cancelled",
            }
        )
    return outcome.model_copy(
        update={
            "outcome": Outcome.FAILED,
            "message": f"order {order.orderNumber or order.id} ended {order.status_text} "
            "at the vendor",
        }
    )
