"""What every step handler of the executor shares: its state and the one way to write.

Inside the executor: ``Executor`` (``executor.py``) makes one ``StepWriter`` per run and
hands it to the step functions (``renewals.py``, ``cancellations.py``, ``autorenew.py``).
A write goes out only through ``attempt``: not started once Ctrl-C asked to stop,
its journal entry durable first (``groupcommit.py``), closed as failed if the call
raises. ``place`` is the one order placement (``MarketplaceClient.place_order``, which
never duplicates an order after an unknown outcome); ``on_order`` builds a step's
outcome about an order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from controller.apply.groupcommit import GroupCommit
from controller.errors import ControllerError
from controller.marketplace.client import Baseline, MarketplaceClient
from controller.marketplace.conventions import (
    ATTR_PLACED_BY,
    ATTR_REVISION,
    ATTR_SPEC_SOURCE,
    PLACED_BY_SUBCTL,
)
from controller.marketplace.models import Order, OrderType
from controller.plan.model import Step, SubscriptionPlan
from controller.plan.outcome import Outcome, StepOutcome

T = TypeVar("T")


@dataclass(frozen=True)
class ExecutorOptions:
    """How the executor runs: concurrency, the revision orders carry, the stop flag."""

    concurrency: int = 8
    revision: str | None = None
    # Asked before every write: True once a Ctrl-C asked to stop (apply/interrupt.py).
    stop: Callable[[], bool] | None = None


@dataclass
class ExecutionReport:
    """What a run did: every step's outcome, and the orders it left with the vendor."""

    outcomes: list[StepOutcome] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)  # order ids now processing at the vendor


class StepInterrupted(Exception):
    """A write was about to start after Ctrl-C: it is not started."""


class StepFailed(Exception):
    """A step's write answered, but not as the step needs (``order``: the one at fault)."""

    def __init__(self, message: str, order: Order | None = None) -> None:
        super().__init__(message)
        self.order = order


@dataclass
class StepWriter:
    """One run's write path and what its steps share."""

    client: MarketplaceClient
    options: ExecutorOptions
    report: ExecutionReport
    records: GroupCommit
    gone: set[str] = field(default_factory=set)  # found terminated/removed while running

    def attributes(self, sub: SubscriptionPlan) -> dict[str, str]:
        attrs = {ATTR_PLACED_BY: PLACED_BY_SUBCTL, ATTR_SPEC_SOURCE: sub.source}
        if self.options.revision:
            attrs[ATTR_REVISION] = self.options.revision
        return attrs

    async def attempt(
        self,
        sub_id: str,
        step: Step,
        call: Callable[[], Awaitable[T]],
        order_id: str | None = None,
        request_id: str | None = None,
    ) -> tuple[int, T]:
        """Run one write with its journal entry opened first; a failure closes it."""
        if self.options.stop is not None and self.options.stop():
            raise StepInterrupted  # before the journal entry: nothing of it happened
        handle = await self.records.start(
            sub_id, step.action.value, order_id, request_id=request_id
        )
        try:
            return handle, await call()
        except ControllerError as err:
            await self.records.finish(
                handle,
                Outcome.FAILED.value,
                message=str(err),
                correlation_id=getattr(err, "correlation_id", None),
            )
            raise

    async def place(
        self,
        sub: SubscriptionPlan,
        step: Step,
        kind: OrderType,
        attrs: dict[str, str],
        baseline: Baseline | None = None,
    ) -> tuple[Order, str | None, bool]:
        request_id = self.client.new_request_id()
        handle, result = await self.attempt(
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
        await self.finish_on_order(handle, order, result.correlation_id, result.outcome.value)
        return order, result.correlation_id, result.already_existed

    async def finish_on_order(
        self, handle: int, order: Order, correlation_id: str | None, message: str = ""
    ) -> None:
        """Close the journal entry ``handle`` as succeeded, about ``order``."""
        await self.records.finish(
            handle,
            Outcome.SUCCEEDED.value,
            order_id=order.id,
            order_number=order.orderNumber,
            correlation_id=correlation_id,
            message=message,
        )


def on_order(
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
