"""The executor: runs a Plan's steps against the marketplace. The only writer.

Sits after the planner. Subscriptions run concurrently (bounded by ``concurrency``);
the steps of one subscription run in order and stop at its first failure (the rest
are "not attempted"). Every write is journalled before and after. Orders are placed
through ``MarketplaceClient.place_order``, which never duplicates an order after an
unknown outcome; approve and withdraw re-read the order when a retry is refused.

This module runs the subscriptions and dispatches each step (``_run_step``); the
steps themselves are functions in ``renewals.py`` and ``cancellations.py``
(set-auto-renew here), each given the run's ``StepWriter`` (``stepwriter.py``), the
one write path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never

import anyio

from controller.apply.cancellations import already_cancelled, cancel, set_order_code
from controller.apply.groupcommit import GroupCommit
from controller.apply.journal import Journal
from controller.apply.renewals import renew
from controller.apply.stepwriter import (
    ExecutionReport,
    ExecutorOptions,
    StepFailed,
    StepInterrupted,
    StepWriter,
)
from controller.apply.writelog import log_write
from controller.errors import ApiClientError, ControllerError, NotFound, Unauthorized
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import Order
from controller.plan.model import (
    Action,
    ApproveStep,
    CancelStep,
    Plan,
    RenewStep,
    SetAutoRenewStep,
    Step,
    SubscriptionPlan,
    WithdrawStep,
    acted_on,
)
from controller.plan.outcome import Outcome, StepOutcome
from controller.taskgroups import task_group

__all__ = ["ExecutionReport", "Executor", "ExecutorOptions"]


class Executor:
    """Runs a plan: ``run(plan)`` returns every step's outcome, in plan order."""

    def __init__(
        self,
        client: MarketplaceClient,
        journal: Journal,
        options: ExecutorOptions,
        on_step: Callable[[StepOutcome], None] | None = None,
    ) -> None:
        self.options = options
        self.on_step = on_step
        self.report = ExecutionReport()
        # The journal's records are written off the event loop, batched (group commit).
        # log_write: -v logs each write as it is journalled (apply/writelog.py).
        records = GroupCommit(journal, on_line=log_write)
        self._writer = StepWriter(client, options, self.report, records)

    async def run(self, plan: Plan) -> ExecutionReport:
        limiter = anyio.CapacityLimiter(max(1, self.options.concurrency))

        async def one(sub: SubscriptionPlan) -> None:
            async with limiter:
                await self._run_subscription(sub)

        try:
            async with task_group() as tg:
                for sub in plan.subscriptions:
                    if sub.steps:
                        tg.start_soon(one, sub)
        finally:
            self._writer.records.close()
        order = {s.id: i for i, s in enumerate(plan.subscriptions)}
        self.report.outcomes.sort(key=lambda o: order.get(o.subscriptionId, 0))
        return self.report

    def _record(self, outcome: StepOutcome) -> None:
        self.report.outcomes.append(outcome)
        if self.on_step is not None:
            self.on_step(outcome)

    async def _run_subscription(self, sub: SubscriptionPlan) -> None:
        created: Order | None = None
        for index, step in enumerate(sub.steps):
            try:
                outcome, created = await self._run_step(sub, step, created)
            except StepInterrupted:
                self._skip_rest(sub, index - 1, "not attempted: interrupted (Ctrl-C)")
                return
            except (ControllerError, StepFailed) as err:
                order = err.order if isinstance(err, StepFailed) else None
                self._record(
                    StepOutcome(
                        subscriptionId=sub.id,
                        action=step.action,
                        outcome=Outcome.FAILED,
                        message=str(err),
                        orderId=order.id if order else acted_on(step)[0],
                    )
                )
                self._skip_rest(sub, index, f"not attempted: {step.action.value} failed before it")
                return
            self._record(outcome)
            if sub.id in self._writer.gone or (step.action is Action.CANCEL and created is None):
                # Cancelled meanwhile by someone else: nothing left to approve.
                self._skip_rest(sub, index, "not needed: the subscription is already cancelled")
                return
            if outcome.outcome is Outcome.IN_PROGRESS and step.action is not Action.APPROVE:
                # The marketplace is still working on this subscription (e.g. a renewal
                # order not completed): later steps wait for the next run.
                self._skip_rest(sub, index, "left for the next run: an order is still in progress")
                return

    def _skip_rest(self, sub: SubscriptionPlan, index: int, message: str) -> None:
        """Record every step after ``index`` of ``sub`` as not attempted, and why."""
        for later in sub.steps[index + 1 :]:
            self._record(
                StepOutcome(
                    subscriptionId=sub.id,
                    action=later.action,
                    outcome=Outcome.NOT_ATTEMPTED,
                    message=message,
                )
            )

    async def _run_step(
        self, sub: SubscriptionPlan, step: Step, created: Order | None
    ) -> tuple[StepOutcome, Order | None]:
        w = self._writer
        match step:
            case SetAutoRenewStep():
                return await _set_auto_renew(w, sub, step), created
            case RenewStep():
                return await renew(w, sub, step), created
            case CancelStep():
                return await cancel(w, sub, step)
            case ApproveStep():
                return await set_order_code(w, sub, step, created, approve=True), created
            case WithdrawStep():
                return await set_order_code(w, sub, step, created, approve=False), created
            case _:
                assert_never(step)


async def _set_auto_renew(
    w: StepWriter, sub: SubscriptionPlan, step: SetAutoRenewStep
) -> StepOutcome:
    value = step.autoRenew
    try:
        handle, written = await w.attempt(
            sub.id, step, lambda: w.client.set_auto_renew(sub.id, value)
        )
    except ApiClientError as err:
        if value or isinstance(err, NotFound | Unauthorized):
            raise
        # Turning auto-renew off as a cancellation's first step: refused because
        # another run's cancellation completed since the plan? Live state decides.
        gone = await already_cancelled(w, sub, step)
        if gone is None:
            raise
        return gone
    cid = written.correlation_id
    if written.value.renewalStatus != step.autoRenew:
        await w.records.finish(
            handle,
            Outcome.FAILED.value,
            correlation_id=cid,
            message="the marketplace did not change renewalStatus",
        )
        raise StepFailed("the marketplace answered but renewalStatus did not change")
    await w.records.finish(handle, Outcome.SUCCEEDED.value, correlation_id=cid)
    return StepOutcome(
        subscriptionId=sub.id,
        action=step.action,
        outcome=Outcome.SUCCEEDED,
        message=step.description,
        correlationId=cid,
    )
