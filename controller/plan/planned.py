"""One declared subscription, planned: the value ``_plan_one`` returns to ``make_plan``.

Between the per-subscription planners (``planner.py``, ``active.py``, ``cancelled.py``)
and the plan they are joined into: each returns a frozen ``Planned`` with its entry and
what it adds to the plan's cross-subscription lists; ``make_plan`` joins them in declared
order. Pure data and the small builders every path shares.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from controller.marketplace.models import Order
from controller.plan.model import (
    Drift,
    InProgress,
    Issue,
    IssueCode,
    ProgressKind,
    StuckOrder,
    SubscriptionPlan,
    Warning_,
)
from controller.spec.models import DesiredSubscription


@dataclass(frozen=True, slots=True)
class Blocked:
    """Why a subscription cannot be brought to its declared state: becomes an ``Issue``."""

    code: IssueCode
    message: str
    order: Order | None = None


class Planned(NamedTuple):
    """The plan's entry for one subscription and its items of the plan-wide lists.

    A NamedTuple, not a frozen dataclass: one is made per declared subscription, and a
    frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``
    (a tenth of an in-sync subscription's planning time)."""

    plan: SubscriptionPlan
    errors: tuple[Issue, ...] = ()
    in_progress: tuple[InProgress, ...] = ()
    drift: tuple[Drift, ...] = ()
    stuck: tuple[StuckOrder, ...] = ()
    warnings: tuple[Warning_, ...] = ()


def failed(
    d: DesiredSubscription,
    base: SubscriptionPlan,
    blocked: Blocked,
    *,
    in_progress: tuple[InProgress, ...] = (),
) -> Planned:
    """The entry of a subscription in error; ``in_progress`` is what was found before."""
    issue = Issue(
        subscriptionId=d.id,
        code=blocked.code,
        message=blocked.message,
        source=d.source,
        orderId=blocked.order.id if blocked.order else None,
    )
    return Planned(replace(base, status="error"), errors=(issue,), in_progress=in_progress)


def unknown_state(d: DesiredSubscription, order: Order) -> InProgress:
    """An open order whose (unpublished) status code subctl does not know: reported as
    in progress in an unknown state; never approved, withdrawn or taken as approved."""
    return InProgress(
        subscriptionId=d.id,
        kind=ProgressKind.WAITING_FOR_VENDOR,
        message=f"{order.type.value} order {order.display_name} is in an unknown state "
        f"(status {order.status_text}, code {order.statusCode or 'none'}); nothing done",
        orderId=order.id,
        orderNumber=order.orderNumber,
    )
