"""The pure planner: (desired, live, options) -> Plan. DESIGN.md section 5, rule by rule.

No I/O and no HTTP import (an import-linter contract in ``make lint`` proves it).
Each declared subscription is planned on its own by ``_plan_one``; an error on one
never stops the others. The result is a frozen ``Plan`` that apply executes as is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from controller.marketplace.conventions import OpenState, open_state
from controller.marketplace.models import (
    Order,
    OrderStatus,
    OrderType,
    Subscription,
    SubscriptionStatus,
)
from controller.periods import SUPPORTED_PERIOD_TYPES, PeriodError, renew_until
from controller.plan.diff import desired_changes
from controller.plan.fingerprint import fingerprint
from controller.plan.horizon import (
    managed_warning,
    renews_within,
    stuck_orders,
    unmanaged_warnings,
)
from controller.plan.inputs import LiveState, PlanOptions
from controller.plan.model import (
    Action,
    Drift,
    InProgress,
    Issue,
    IssueCode,
    Plan,
    Price,
    ProgressKind,
    Step,
    StuckOrder,
    SubscriptionPlan,
    Totals,
    Warning_,
)
from controller.spec.models import DesiredState, DesiredSubscription

_GONE = frozenset({SubscriptionStatus.TERMINATED, SubscriptionStatus.REMOVED})


class _Acc:
    """Collects the plan's cross-subscription lists while subscriptions are planned."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.in_progress: list[InProgress] = []
        self.drift: list[Drift] = []
        self.stuck: list[StuckOrder] = []
        self.warnings: list[Warning_] = []


def make_plan(desired: DesiredState, live: LiveState, options: PlanOptions) -> Plan:
    acc = _Acc()
    subs = tuple(
        _fingerprinted(_plan_one(d, live, options, acc), live) for d in desired.subscriptions
    )
    acc.warnings.extend(unmanaged_warnings(live.unmanaged_renewing, options))
    acc.warnings.extend(Warning_(subscriptionId=sid, message=text) for sid, text in live.notes)
    for order in live.unmanaged_stuck:
        acc.stuck.extend(stuck_orders(order.subscriptionId or "", (order,), options))
    totals = _totals(subs, acc, live)
    return Plan(
        createdAt=options.now,
        target=options.target,
        revision=options.revision,
        stuckAfterHours=options.stuck_after.total_seconds() / 3600,
        subscriptions=subs,
        errors=tuple(acc.errors),
        inProgress=tuple(acc.in_progress),
        drift=tuple(acc.drift),
        stuck=tuple(acc.stuck),
        warnings=tuple(acc.warnings),
        unmanagedCount=live.unmanaged_count,
        totals=totals,
        specPaths=options.spec_paths,
        specDigest=options.spec_digest,
    )


def draft_steps(
    d: DesiredSubscription, sub: Subscription, orders: tuple[Order, ...], options: PlanOptions
) -> tuple[Step, ...]:
    """The steps one subscription gets before any price or order history is known.

    Observation calls it per subscription while still listing, to start the extra reads
    (a renewal's price, a cancellation's withdrawn orders) early; whether there is a
    renew or cancel step does not depend on those reads.
    """
    alone = LiveState(subscriptions={d.id: sub}, orders={d.id: orders})
    return _plan_one(d, alone, options, _Acc()).steps


def _fingerprinted(planned: SubscriptionPlan, live: LiveState) -> SubscriptionPlan:
    """Only subscriptions with steps carry a fingerprint: the stale check at ``apply --plan``
    looks at those alone, and hashing every in-sync one cost a tenth of the plan's time."""
    if not planned.steps:
        return planned
    facts = fingerprint(live.subscriptions.get(planned.id), live.orders.get(planned.id, ()))
    return replace(planned, fingerprint=facts)


def _plan_one(
    d: DesiredSubscription, live: LiveState, options: PlanOptions, acc: _Acc
) -> SubscriptionPlan:
    sub = live.subscriptions.get(d.id)
    orders = live.orders.get(d.id, ())
    # Built once with everything known about it: most subscriptions are in sync and
    # return this as is (a copy with ``replace`` validates again, ~10 us each).
    seen = sub if sub is not None and d.id not in live.unreadable else None
    renewal_day = (seen.renewalDate or seen.expirationDate) if seen else None
    base = SubscriptionPlan(
        id=d.id,
        name=d.name,
        customerId=sub.customerId if sub else d.customerId,
        source=d.source,
        mode=d.mode,
        desiredState=d.state,
        liveStatus=seen.status_text if seen else None,
        autoRenew=seen.renewalStatus if seen else None,
        expirationDate=seen.expirationDate if seen else None,
        renewalDate=seen.renewalDate if seen else None,
        daysToRenewal=(renewal_day - options.now.date()).days if renewal_day else None,
    )

    def error(code: IssueCode, message: str, order: Order | None = None) -> SubscriptionPlan:
        acc.errors.append(
            Issue(
                subscriptionId=d.id,
                code=code,
                message=message,
                source=d.source,
                orderId=order.id if order else None,
            )
        )
        return replace(base, status="error")

    if sub is None and d.id not in live.unreadable:
        return error(IssueCode.NOT_FOUND, f"subscription {d.id} not found in the marketplace")
    if sub is None or d.id in live.unreadable:
        return error(
            IssueCode.UNREADABLE,
            f"could not read its live state ({live.unreadable[d.id]}); nothing done this run",
        )
    if d.customerId is not None and sub.customerId is None:
        return error(
            IssueCode.UNREADABLE,
            "live customerId missing: the customerId guard cannot be checked; nothing done",
        )
    if d.customerId is not None and d.customerId != sub.customerId:
        return error(
            IssueCode.GUARD_MISMATCH,
            f"belongs to customer {sub.customerId}, spec says {d.customerId}; nothing done",
        )
    if d.product is not None and d.product != sub.name:
        return error(
            IssueCode.GUARD_MISMATCH,
            f"is {sub.name!r}, spec says product {d.product!r}; nothing done",
        )
    acc.stuck.extend(stuck_orders(d.id, orders, options))
    warning = managed_warning(d, sub, options)
    if warning is not None and d.mode == "observe":
        acc.warnings.append(warning)
    if d.mode == "observe":
        changes = desired_changes(d, sub)
        if changes:
            acc.drift.append(Drift(subscriptionId=d.id, changes=changes, source=d.source))
            return replace(base, status="drift")
        return base
    if sub.status is None or sub.status is SubscriptionStatus.UNKNOWN:
        what = "missing" if sub.status is None else "unknown"
        return error(IssueCode.UNREADABLE, f"live status {what}; nothing done")
    if sub.status is SubscriptionStatus.PENDING:
        acc.in_progress.append(
            InProgress(
                subscriptionId=d.id,
                kind=ProgressKind.PROVISIONING,
                message="still being provisioned; nothing to do until it is active",
            )
        )
        return replace(base, status="in-progress")
    if sub.status is SubscriptionStatus.HOLD:
        return error(IssueCode.ON_HOLD, "is on hold: resolve the hold in the marketplace first")
    if d.state == "active":
        planned = _plan_active(d, sub, orders, live, base, acc, error)
    else:
        fires_soon = renews_within(sub, options) is not None
        planned = _plan_cancelled(d, sub, orders, base, acc, error, fires_soon=fires_soon)
    if warning is not None and not (d.state == "cancelled" and _disables_auto_renew(planned)):
        # A cancellation that turns auto-renew off first replaces the warning with that
        # step (issue 13); "autoRenew: false" keeps it: it says how soon to merge.
        acc.warnings.append(warning)
    if planned.steps and not sub.customerId:
        # Every write names the customer (POST /orders requires it); the spec leaves it
        # optional in a subscription, so only a subscription that needs a write fails.
        return error(
            IssueCode.UNREADABLE, "live customerId missing: needed for the changes; nothing done"
        )
    return planned


def _disables_auto_renew(planned: SubscriptionPlan) -> bool:
    return any(s.action is Action.SET_AUTO_RENEW and s.autoRenew is False for s in planned.steps)


def _auto_renew_off(d: DesiredSubscription, sub: Subscription, fires_soon: bool) -> list[Step]:
    """Step one of a cancellation whose auto-renew would fire before it can complete:
    turn it off first, or the marketplace may renew (and bill) first (issue 13).

    "Before it can complete" is read as "within --warn-days" (default 14): a vendor
    completes an approved cancellation in hours or days, so a renewal months away cannot
    overtake it, and such a cancellation stays the two steps of DESIGN.md section 5."""
    if not sub.renewalStatus or not fires_soon:
        return []
    return [
        Step(
            action=Action.SET_AUTO_RENEW,
            subscriptionId=d.id,
            customerId=sub.customerId,
            autoRenew=False,
            description="disable auto-renew before the cancellation completes",
        )
    ]


def _open(orders: tuple[Order, ...], kind: OrderType) -> list[Order]:
    return [o for o in orders if o.type is kind and o.is_open]


def _plan_active(
    d: DesiredSubscription,
    sub: Subscription,
    orders: tuple[Order, ...],
    live: LiveState,
    base: SubscriptionPlan,
    acc: _Acc,
    error: _ErrorFn,
) -> SubscriptionPlan:
    if sub.status in _GONE:
        return error(
            IssueCode.IRREVERSIBLE,
            f"is {sub.status.value}: cannot be made active again, it needs a new purchase",
        )
    steps: list[Step] = []
    for order in _open(orders, OrderType.CANCELLATION):
        if open_state(order) is OpenState.UNKNOWN:
            _unknown_state(d, order, acc)
            continue
        if not order.placed_by_subctl:
            return error(
                IssueCode.PORTAL_CANCELLATION,
                f"has open cancellation order {order.display_name} placed outside subctl; "
                "decide whether git or the portal is right (withdraw it there, or declare "
                "the subscription cancelled)",
                order,
            )
        steps.append(
            Step(
                action=Action.WITHDRAW,
                subscriptionId=d.id,
                customerId=sub.customerId or "",
                orderId=order.id,
                orderNumber=order.orderNumber,
                description=f"withdraw cancellation order {order.display_name} (placed by subctl)",
            )
        )
    if d.autoRenew is not None and sub.renewalStatus is None:
        return error(IssueCode.UNREADABLE, "live renewalStatus missing: cannot compare auto-renew")
    if d.autoRenew is not None and d.autoRenew != sub.renewalStatus:
        steps.append(
            Step(
                action=Action.SET_AUTO_RENEW,
                subscriptionId=d.id,
                customerId=sub.customerId or "",
                autoRenew=d.autoRenew,
                description=f"{'enable' if d.autoRenew else 'disable'} auto-renew",
            )
        )
    expiry = sub.expirationDate
    if d.renewThrough is not None and expiry is None:
        return error(
            IssueCode.UNREADABLE, "live expirationDate missing: cannot count renewal terms"
        )
    if d.renewThrough is not None and expiry is not None and d.renewThrough > expiry:
        open_renewals = _open(orders, OrderType.RENEWAL)
        if open_renewals:
            acc.in_progress.append(
                InProgress(
                    subscriptionId=d.id,
                    kind=ProgressKind.WAITING_FOR_VENDOR,
                    message=f"renewal order {open_renewals[0].display_name} in progress",
                    orderId=open_renewals[0].id,
                    orderNumber=open_renewals[0].orderNumber,
                )
            )
        else:
            renew = _renew_step(d, sub, live, error)
            if isinstance(renew, SubscriptionPlan):
                return renew
            steps.append(renew)
    if steps:
        return replace(base, steps=tuple(steps), status="change")
    if any(p.subscriptionId == d.id for p in acc.in_progress):
        return replace(base, status="in-progress")
    return base


def _renew_step(
    d: DesiredSubscription, sub: Subscription, live: LiveState, error: _ErrorFn
) -> Step | SubscriptionPlan:
    period = sub.subscriptionPeriod
    assert d.renewThrough is not None
    assert sub.expirationDate is not None
    if period is None or period.type not in SUPPORTED_PERIOD_TYPES:
        kind = period.type if period else "missing"
        return error(
            IssueCode.UNKNOWN_PERIOD,
            f"subscription period {kind!r} is not month, year or day; cannot count renewal terms",
        )
    if period.duration < 1:
        return error(
            IssueCode.UNKNOWN_PERIOD,
            f"subscription period duration {period.duration}; cannot count renewal terms",
        )
    try:
        terms, new_expiry = renew_until(
            sub.expirationDate,
            d.renewThrough,
            period.type,
            period.duration,
            creation=sub.creationDate,
        )
    except PeriodError as err:
        return error(IssueCode.UNKNOWN_PERIOD, str(err))
    estimate = live.estimates.get(d.id)
    per_term = total = None
    if estimate is not None:
        per_term = Price(amount=estimate.amount, currency=estimate.currency)
        total = Price(amount=str(estimate.value * terms), currency=estimate.currency)
    cost = f" for {total.amount} {total.currency}" if total else ""
    return Step(
        action=Action.RENEW,
        subscriptionId=d.id,
        customerId=sub.customerId,
        terms=terms,
        fromExpiry=sub.expirationDate,
        newExpiry=new_expiry,
        renewThrough=d.renewThrough,
        pricePerTerm=per_term,
        price=total,
        description=(
            f"renew {terms} term{'s' if terms != 1 else ''}: expiry "
            f"{sub.expirationDate} -> {new_expiry}{cost}"
        ),
    )


def _plan_cancelled(
    d: DesiredSubscription,
    sub: Subscription,
    orders: tuple[Order, ...],
    base: SubscriptionPlan,
    acc: _Acc,
    error: _ErrorFn,
    *,
    fires_soon: bool,
) -> SubscriptionPlan:
    if sub.status in _GONE:
        return base
    # Unreachable from specs (the model refuses protected + cancelled); kept as defence
    # in depth because a cancellation is irreversible. Tested past the model.
    if d.protected:
        return error(IssueCode.PROTECTED, "is protected: subctl refuses to cancel it")
    assert d.cancellation is not None
    failed = [
        o for o in orders if o.type is OrderType.CANCELLATION and o.status is OrderStatus.ERROR
    ]
    if failed:
        latest = max(failed, key=_order_sort_key)
        return error(
            IssueCode.ORDER_ERROR,
            f"cancellation order {latest.display_name} is in error; no new order until a "
            "human withdraws it (CL) in the marketplace",
            latest,
        )
    first = _auto_renew_off(d, sub, fires_soon)
    open_orders = _open(orders, OrderType.CANCELLATION)
    if open_orders:
        order = max(open_orders, key=_order_sort_key)
        state = open_state(order)
        if state is OpenState.UNKNOWN:
            _unknown_state(d, order, acc)
        elif state is OpenState.PENDING_APPROVAL:
            if d.cancellation.approval == "auto":
                step = Step(
                    action=Action.APPROVE,
                    subscriptionId=d.id,
                    customerId=sub.customerId or "",
                    orderId=order.id,
                    orderNumber=order.orderNumber,
                    description=f"approve cancellation order {order.display_name}",
                )
                return replace(base, steps=(*first, step), status="change")
            acc.in_progress.append(
                InProgress(
                    subscriptionId=d.id,
                    kind=ProgressKind.AWAITING_MANUAL_APPROVAL,
                    message=f"cancellation order {order.display_name} awaits manual approval",
                    orderId=order.id,
                    orderNumber=order.orderNumber,
                )
            )
        else:
            acc.in_progress.append(
                InProgress(
                    subscriptionId=d.id,
                    kind=ProgressKind.WAITING_FOR_VENDOR,
                    message=f"cancellation order {order.display_name} approved; "
                    "waiting for the vendor to complete it",
                    orderId=order.id,
                    orderNumber=order.orderNumber,
                    placedBySubctl=order.placed_by_subctl,
                )
            )
        if first:
            return replace(base, steps=tuple(first), status="change")
        return replace(base, status="in-progress")
    withdrawn = tuple(
        o.display_name
        for o in sorted(orders, key=_order_sort_key)
        if o.type is OrderType.CANCELLATION and o.status is OrderStatus.CANCELLED
    )
    note = f" (earlier order{'s' if len(withdrawn) > 1 else ''} {', '.join(withdrawn)} withdrawn)"
    steps = [
        *first,
        Step(
            action=Action.CANCEL,
            subscriptionId=d.id,
            customerId=sub.customerId or "",
            reason=d.cancellation.reason,
            description=f"cancel: {d.cancellation.reason}" + (note if withdrawn else ""),
        ),
    ]
    if d.cancellation.approval == "auto":
        steps.append(
            Step(
                action=Action.APPROVE,
                subscriptionId=d.id,
                customerId=sub.customerId or "",
                description="approve the cancellation order placed by the step before",
            )
        )
    return replace(base, steps=tuple(steps), status="change", withdrawnOrders=withdrawn)


def _unknown_state(d: DesiredSubscription, order: Order, acc: _Acc) -> None:
    """An open order whose (unpublished) status code subctl does not know: reported as
    in progress in an unknown state; never approved, withdrawn or taken as approved."""
    acc.in_progress.append(
        InProgress(
            subscriptionId=d.id,
            kind=ProgressKind.WAITING_FOR_VENDOR,
            message=f"{order.type.value} order {order.display_name} is in an unknown state "
            f"(status {order.status_text}, code {order.statusCode or 'none'}); nothing done",
            orderId=order.id,
            orderNumber=order.orderNumber,
        )
    )


def _order_sort_key(order: Order) -> tuple[dt.datetime, str]:
    created = order.creationDate or dt.datetime.min.replace(tzinfo=dt.UTC)
    return (created, order.id.zfill(20))


def _totals(subs: tuple[SubscriptionPlan, ...], acc: _Acc, live: LiveState) -> Totals:
    by_action: Counter[str] = Counter()
    cost: dict[str, Decimal] = {}
    for sub in subs:
        for step in sub.steps:
            by_action[step.action.value] += 1
            if step.price is not None:
                cost[step.price.currency] = cost.get(step.price.currency, Decimal(0)) + (
                    step.price.value
                )
    return Totals(
        changes=sum(by_action.values()),
        byAction=dict(sorted(by_action.items())),
        cost={cur: str(amount) for cur, amount in sorted(cost.items())},
        inProgress=len(acc.in_progress),
        errors=len(acc.errors),
        drift=len(acc.drift),
        stuck=len(acc.stuck),
        inSync=sum(1 for s in subs if s.status == "in-sync"),
        unmanaged=live.unmanaged_count,
        managed=len(subs),
    )


class _ErrorFn(Protocol):
    """The error helper passed down from _plan_one: records an Issue, returns the entry."""

    def __call__(
        self, code: IssueCode, message: str, order: Order | None = None
    ) -> SubscriptionPlan: ...
