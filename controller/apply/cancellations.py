"""The executor's cancellation steps: place the order, then approve or withdraw it.

Inside the executor (``executor.py``), through its ``StepWriter`` (``stepwriter.py``).
``cancel`` places the cancellation order (or finds the one open); ``set_order_code``
approves or withdraws it, after the client proves it is this subscription's (issue 16). A
refusal is checked against live state: a subscription cancelled since the plan by
another run is success with nothing written (``already_cancelled``).
"""

from __future__ import annotations

from controller.apply.stepwriter import StepFailed, StepWriter, on_order
from controller.errors import ApiClientError, NotFound, Unauthorized
from controller.marketplace.client import OrderOwner
from controller.marketplace.conventions import ATTR_CANCELLATION_REASON
from controller.marketplace.models import Order, OrderStatus, OrderType, SubscriptionStatus
from controller.plan.model import ApproveStep, CancelStep, Step, SubscriptionPlan, WithdrawStep
from controller.plan.outcome import Outcome, StepOutcome


async def cancel(
    w: StepWriter, sub: SubscriptionPlan, step: CancelStep
) -> tuple[StepOutcome, Order | None]:
    attrs = {**w.attributes(sub), ATTR_CANCELLATION_REASON: step.reason}
    try:
        order, cid, existed = await w.place(sub, step, OrderType.CANCELLATION, attrs)
    except ApiClientError as err:
        if isinstance(err, NotFound | Unauthorized):
            raise
        # Refused: maybe another run's cancellation completed since the plan (the
        # open order is gone and the subscription terminated). Live state decides.
        done = await already_cancelled(w, sub, step)
        if done is None:
            raise
        return done, None
    message = (
        f"cancellation order {order.display_name} already open; using it"
        if existed
        else f"cancellation order {order.display_name} placed (pending approval)"
    )
    return (
        on_order(
            sub,
            step,
            Outcome.SUCCEEDED,
            message,
            order,
            cid,
        ),
        order,
    )


async def already_cancelled(w: StepWriter, sub: SubscriptionPlan, step: Step) -> StepOutcome | None:
    """A succeeded outcome when the subscription is terminated or removed by now."""
    read = await w.client.read_subscription(sub.id)
    live = read.value
    if live.status not in (SubscriptionStatus.TERMINATED, SubscriptionStatus.REMOVED):
        return None
    w.gone.add(sub.id)
    return StepOutcome(
        subscriptionId=sub.id,
        action=step.action,
        outcome=Outcome.SUCCEEDED,
        message=f"already cancelled (live status {live.status.value}, changed since "
        "the plan); nothing written",
        correlationId=read.correlation_id,
    )


async def set_order_code(
    w: StepWriter,
    sub: SubscriptionPlan,
    step: ApproveStep | WithdrawStep,
    created: Order | None,
    *,
    approve: bool,
) -> StepOutcome:
    order_id = step.orderId or (created.id if created else None)
    if order_id is None:
        raise StepFailed("no order to act on: the cancel step made none")
    if approve and created is not None and created.status is not OrderStatus.SUBMITTED:
        # The order the cancel step found was already approved by someone.
        return _approved_outcome(w, sub, step, created, None)
    change = w.client.approve_order if approve else w.client.withdraw_order
    # Never touch another subscription's or customer's order (issue 16): the client
    # proves the order is this subscription's cancellation before the PATCH.
    owner = OrderOwner(sub.id, OrderType.CANCELLATION, step.customerId or None)
    handle, written = await w.attempt(
        sub.id, step, lambda: change(order_id, owner=owner, known=created), order_id
    )
    order, cid = written.value, written.correlation_id
    await w.finish_on_order(handle, order, cid)
    if approve:
        return _approved_outcome(w, sub, step, order, cid)
    return on_order(
        sub,
        step,
        Outcome.SUCCEEDED,
        f"cancellation order {order.display_name} withdrawn",
        order,
        cid,
    )


def _approved_outcome(
    w: StepWriter, sub: SubscriptionPlan, step: Step, order: Order, cid: str | None
) -> StepOutcome:
    done = order.status is OrderStatus.COMPLETED
    if not done:
        w.report.approved.append(order.id)
    return on_order(
        sub,
        step,
        Outcome.SUCCEEDED if done else Outcome.IN_PROGRESS,
        (
            f"cancellation order {order.display_name} completed"
            if done
            else f"cancellation order {order.display_name} approved; the vendor is processing it"
        ),
        order,
        cid,
    )
