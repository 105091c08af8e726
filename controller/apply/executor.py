"""The executor: runs a Plan's steps against the marketplace. The only writer.

Sits after the planner. Subscriptions run concurrently (bounded by ``concurrency``);
the steps of one subscription run in order and stop at its first failure (the rest
are "not attempted"). Every write is journalled before and after. Orders are placed
through ``MarketplaceClient.place_order``, which never duplicates an order after an
unknown outcome; approve and withdraw re-read the order when a retry is refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar, assert_never

import anyio

from controller.apply.groupcommit import GroupCommit
from controller.apply.journal import Journal
from controller.apply.writelog import LoggedCommit
from controller.errors import ApiClientError, ControllerError, NotFound, Unauthorized
from controller.marketplace.client import Baseline, MarketplaceClient, OrderOwner
from controller.marketplace.conventions import (
    ATTR_CANCELLATION_REASON,
    ATTR_PLACED_BY,
    ATTR_REVISION,
    ATTR_SPEC_SOURCE,
    PLACED_BY_SUBCTL,
)
from controller.marketplace.models import (
    Order,
    OrderStatus,
    OrderType,
    SubscriptionStatus,
)
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

T = TypeVar("T")


@dataclass(frozen=True)
class ExecutorOptions:
    concurrency: int = 8
    revision: str | None = None
    # Asked before every write: True once a Ctrl-C asked to stop (apply/interrupt.py).
    stop: Callable[[], bool] | None = None


@dataclass
class ExecutionReport:
    outcomes: list[StepOutcome] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)  # order ids now processing at the vendor


class _Interrupted(Exception):
    """A write was about to start after Ctrl-C: it is not started."""


class _StepFailed(Exception):
    def __init__(self, message: str, order: Order | None = None) -> None:
        super().__init__(message)
        self.order = order


class Executor:
    def __init__(
        self,
        client: MarketplaceClient,
        journal: Journal,
        options: ExecutorOptions,
        on_step: Callable[[StepOutcome], None] | None = None,
    ) -> None:
        self.client = client
        self.journal = journal
        self.options = options
        self.on_step = on_step
        self.report = ExecutionReport()
        self._gone: set[str] = set()  # found terminated/removed while running its steps
        # The journal's records are written off the event loop, batched (group commit).
        # LoggedCommit: -v logs each write as it is journalled (apply/writelog.py).
        self._records: GroupCommit = LoggedCommit(journal)

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
            self._records.close()
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
            except _Interrupted:
                self._skip_rest(sub, index - 1, "not attempted: interrupted (Ctrl-C)")
                return
            except (ControllerError, _StepFailed) as err:
                order = err.order if isinstance(err, _StepFailed) else None
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
            if sub.id in self._gone or (step.action is Action.CANCEL and created is None):
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

    def _attributes(self, sub: SubscriptionPlan) -> dict[str, str]:
        attrs = {ATTR_PLACED_BY: PLACED_BY_SUBCTL, ATTR_SPEC_SOURCE: sub.source}
        if self.options.revision:
            attrs[ATTR_REVISION] = self.options.revision
        return attrs

    async def _run_step(
        self, sub: SubscriptionPlan, step: Step, created: Order | None
    ) -> tuple[StepOutcome, Order | None]:
        match step:
            case SetAutoRenewStep():
                return await self._set_auto_renew(sub, step), created
            case RenewStep():
                return await self._renew(sub, step), created
            case CancelStep():
                return await self._cancel(sub, step)
            case ApproveStep():
                return await self._order_code(sub, step, created, approve=True), created
            case WithdrawStep():
                return await self._order_code(sub, step, created, approve=False), created
            case _:
                assert_never(step)

    async def _attempt(
        self,
        sub_id: str,
        step: Step,
        call: Callable[[], Awaitable[T]],
        order_id: str | None = None,
        request_id: str | None = None,
    ) -> tuple[int, T]:
        """Run one write with its journal entry opened first; a failure closes it."""
        if self.options.stop is not None and self.options.stop():
            raise _Interrupted  # before the journal entry: nothing of it happened
        handle = await self._records.start(
            sub_id, step.action.value, order_id, request_id=request_id
        )
        try:
            return handle, await call()
        except ControllerError as err:
            await self._records.finish(
                handle,
                Outcome.FAILED.value,
                message=str(err),
                correlation_id=getattr(err, "correlation_id", None),
            )
            raise

    async def _set_auto_renew(self, sub: SubscriptionPlan, step: SetAutoRenewStep) -> StepOutcome:
        value = step.autoRenew
        try:
            handle, live = await self._attempt(
                sub.id, step, lambda: self.client.set_auto_renew(sub.id, value)
            )
        except ApiClientError as err:
            if value or isinstance(err, NotFound | Unauthorized):
                raise
            # Turning auto-renew off as a cancellation's first step: refused because
            # another run's cancellation completed since the plan? Live state decides.
            gone = await self._already_cancelled(sub, step)
            if gone is None:
                raise
            return gone
        cid = self.client.last_correlation_id
        if live.renewalStatus != step.autoRenew:
            await self._records.finish(
                handle,
                Outcome.FAILED.value,
                correlation_id=cid,
                message="the marketplace did not change renewalStatus",
            )
            raise _StepFailed("the marketplace answered but renewalStatus did not change")
        await self._records.finish(handle, Outcome.SUCCEEDED.value, correlation_id=cid)
        return StepOutcome(
            subscriptionId=sub.id,
            action=step.action,
            outcome=Outcome.SUCCEEDED,
            message=step.description,
            correlationId=cid,
        )

    async def _place(
        self,
        sub: SubscriptionPlan,
        step: Step,
        kind: OrderType,
        attrs: dict[str, str],
        baseline: Baseline | None = None,
    ) -> tuple[Order, str | None, bool]:
        request_id = self.client.new_request_id()
        handle, result = await self._attempt(
            sub.id,
            step,
            lambda: self.client.place_order(
                kind,
                customer_id=step.customerId,
                subscription_id=sub.id,
                attributes=attrs,
                request_id=request_id,
                baseline=baseline,
            ),
            request_id=request_id,
        )
        order = result.order
        note = result.outcome.value
        await self._records.finish(
            handle,
            Outcome.SUCCEEDED.value,
            order_id=order.id,
            order_number=order.orderNumber,
            correlation_id=result.correlation_id,
            message=note,
        )
        return order, result.correlation_id, result.already_existed

    async def _renew(self, sub: SubscriptionPlan, step: RenewStep) -> StepOutcome:
        terms = step.terms
        last: Order | None = None
        cid: str | None = None
        for term in range(terms):
            # Level-triggered, right before spending money: another run (a second CI
            # runner, or one whose plan went stale while this one waited) may have
            # renewed this subscription since the plan was made. Renewals complete at
            # once, so the marketplace's open-order refusal cannot catch that.
            before = await self._before_term(sub, step, term, terms)
            if isinstance(before, StepOutcome):
                return before
            try:
                order, cid, existed = await self._place(
                    sub, step, OrderType.RENEWAL, self._attributes(sub), before
                )
            except _Interrupted:
                if last is None:
                    raise
                return _on_order(
                    sub,
                    step,
                    Outcome.IN_PROGRESS,
                    f"interrupted (Ctrl-C) after {term} of {terms} renewal(s), last "
                    f"order {last.display_name}; the next run places the rest",
                    last,
                    cid,
                )
            last = order
            if existed or order.status is not OrderStatus.COMPLETED:
                if order.status is OrderStatus.ERROR:
                    raise _StepFailed(f"renewal order {order.display_name} is in error", order)
                return _on_order(
                    sub,
                    step,
                    Outcome.IN_PROGRESS,
                    f"renewal {term + 1} of {terms}: order {order.display_name} is "
                    f"{order.status_text}; the next run continues",
                    order,
                    cid,
                )
        return StepOutcome(
            subscriptionId=sub.id,
            action=step.action,
            outcome=Outcome.SUCCEEDED,
            message=step.description,
            orderId=last.id if last else None,
            orderNumber=last.orderNumber if last else None,
            correlationId=cid,
        )

    async def _before_term(
        self, sub: SubscriptionPlan, step: RenewStep, term: int, terms: int
    ) -> StepOutcome | Baseline:
        """The outcome if no term may be placed now, else the placement's baseline.

        Asked before every term. The subscription may already expire on or after the
        target: before the first term, another run may have renewed since the plan;
        before a later one, the marketplace may have reached ``renewThrough`` sooner than
        the plan counted (the plan uses the same anchor-day calendar, controller/periods.py,
        so this is a safety net, not the rule). Either way a further term would be paid
        for nothing. A renewal order of it may be open (real renewals can stay
        submitted/processing for a while): then none is placed. Otherwise the ids of its
        renewal orders and its expiry are the baseline that tells, after a lost answer,
        whether the POST created an order (ordering.py).
        """
        target = step.renewThrough
        live = await self.client.get_subscription(sub.id)
        listed = await self.client.order_set(sub.id)
        baseline = Baseline(listed.ids(OrderType.RENEWAL), live.expirationDate)
        if live.expirationDate is None or live.expirationDate < target:
            pending = [o for o in listed.orders if o.type is OrderType.RENEWAL and o.is_open]
            if not pending:
                return baseline
            order = pending[0]
            return _on_order(
                sub,
                step,
                Outcome.IN_PROGRESS,
                f"renewal order {order.display_name} is still {order.status_text}; no "
                f"further order placed after {term} of {terms}; the next run continues",
                order,
                self.client.last_correlation_id,
            )
        how = (
            "renewed elsewhere since the plan"
            if term == 0
            else f"the target {target.isoformat()} was reached"
        )
        return StepOutcome(
            subscriptionId=sub.id,
            action=step.action,
            outcome=Outcome.SUCCEEDED,
            message=f"already renewed through {live.expirationDate.isoformat()} after {term} of "
            f"{terms} renewal(s) by this run ({how}); no further order placed",
            correlationId=self.client.last_correlation_id,
        )

    async def _cancel(
        self, sub: SubscriptionPlan, step: CancelStep
    ) -> tuple[StepOutcome, Order | None]:
        attrs = {**self._attributes(sub), ATTR_CANCELLATION_REASON: step.reason}
        try:
            order, cid, existed = await self._place(sub, step, OrderType.CANCELLATION, attrs)
        except ApiClientError as err:
            if isinstance(err, NotFound | Unauthorized):
                raise
            # Refused: maybe another run's cancellation completed since the plan (the
            # open order is gone and the subscription terminated). Live state decides.
            done = await self._already_cancelled(sub, step)
            if done is None:
                raise
            return done, None
        message = (
            f"cancellation order {order.display_name} already open; using it"
            if existed
            else f"cancellation order {order.display_name} placed (pending approval)"
        )
        return (
            _on_order(
                sub,
                step,
                Outcome.SUCCEEDED,
                message,
                order,
                cid,
            ),
            order,
        )

    async def _already_cancelled(self, sub: SubscriptionPlan, step: Step) -> StepOutcome | None:
        """A succeeded outcome when the subscription is terminated or removed by now."""
        live = await self.client.get_subscription(sub.id)
        if live.status not in (SubscriptionStatus.TERMINATED, SubscriptionStatus.REMOVED):
            return None
        self._gone.add(sub.id)
        return StepOutcome(
            subscriptionId=sub.id,
            action=step.action,
            outcome=Outcome.SUCCEEDED,
            message=f"already cancelled (live status {live.status.value}, changed since "
            "the plan); nothing written",
            correlationId=self.client.last_correlation_id,
        )

    async def _order_code(
        self,
        sub: SubscriptionPlan,
        step: ApproveStep | WithdrawStep,
        created: Order | None,
        *,
        approve: bool,
    ) -> StepOutcome:
        order_id = step.orderId or (created.id if created else None)
        if order_id is None:
            raise _StepFailed("no order to act on: the cancel step made none")
        if approve and created is not None and created.status is not OrderStatus.SUBMITTED:
            # The order the cancel step found was already approved by someone.
            return self._approved_outcome(sub, step, created, None)
        change = self.client.approve_order if approve else self.client.withdraw_order
        # Never touch another subscription's or customer's order (issue 16): the client
        # proves the order is this subscription's cancellation before the PATCH.
        owner = OrderOwner(sub.id, OrderType.CANCELLATION, step.customerId or None)
        handle, order = await self._attempt(
            sub.id, step, lambda: change(order_id, owner=owner, known=created), order_id
        )
        cid = self.client.last_correlation_id
        await self._records.finish(
            handle,
            Outcome.SUCCEEDED.value,
            order_id=order.id,
            order_number=order.orderNumber,
            correlation_id=cid,
        )
        if approve:
            return self._approved_outcome(sub, step, order, cid)
        return _on_order(
            sub,
            step,
            Outcome.SUCCEEDED,
            f"cancellation order {order.display_name} withdrawn",
            order,
            cid,
        )

    def _approved_outcome(
        self, sub: SubscriptionPlan, step: Step, order: Order, cid: str | None
    ) -> StepOutcome:
        done = order.status is OrderStatus.COMPLETED
        if not done:
            self.report.approved.append(order.id)
        return _on_order(
            sub,
            step,
            Outcome.SUCCEEDED if done else Outcome.IN_PROGRESS,
            (
                f"cancellation order {order.display_name} completed"
                if done
                else f"cancellation order {order.display_name} approved; "
                "the vendor is processing it"
            ),
            order,
            cid,
        )


def _on_order(
    sub: SubscriptionPlan,
    step: Step,
    outcome: Outcome,
    message: str,
    order: Order,
    correlation_id: str | None,
) -> StepOutcome:
    """A step's outcome about ``order``: its id and number go with the message."""
    return StepOutcome(
        subscriptionId=sub.id,
        action=step.action,
        outcome=outcome,
        message=message,
        orderId=order.id,
        orderNumber=order.orderNumber,
        correlationId=correlation_id,
    )
