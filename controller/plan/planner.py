"""The pure planner: (desired, live, options) -> Plan. DESIGN.md section 5, rule by rule.

No I/O and no HTTP import (an import-linter contract in ``make lint`` proves it).
Each declared subscription is planned on its own by ``_plan_one``, which returns a
``Planned`` value (planned.py); an error on one never stops the others. ``make_plan``
joins them in declared order into a frozen ``Plan`` that apply executes as is. The
checks every subscription passes are here; ``active.py`` and ``cancelled.py`` plan the
two declared states, from the shared predicates of ``gates.py``; ``totals.py`` counts.
"""

from __future__ import annotations

from dataclasses import replace

from controller.marketplace.models import SubscriptionStatus
from controller.plan.active import plan_active
from controller.plan.cancelled import disables_auto_renew, plan_cancelled
from controller.plan.diff import desired_changes
from controller.plan.fingerprint import fingerprint
from controller.plan.gates import guard_issue, status_issue, unseen
from controller.plan.horizon import (
    managed_warning,
    renews_within,
    stuck_orders,
    unmanaged_warnings,
)
from controller.plan.inputs import LiveState, PlanOptions
from controller.plan.model import (
    Drift,
    InProgress,
    Issue,
    IssueCode,
    Plan,
    ProgressKind,
    StuckOrder,
    SubscriptionPlan,
    Warning_,
)
from controller.plan.planned import Blocked, Planned, failed
from controller.plan.totals import plan_totals
from controller.spec.models import DesiredState, DesiredSubscription


def make_plan(desired: DesiredState, live: LiveState, options: PlanOptions) -> Plan:
    subs: list[SubscriptionPlan] = []
    errors: list[Issue] = []
    in_progress: list[InProgress] = []
    drift: list[Drift] = []
    stuck: list[StuckOrder] = []
    warnings: list[Warning_] = []
    for d in desired.subscriptions:
        planned = _plan_one(d, live, options)
        subs.append(_fingerprinted(planned.plan, live))
        # Most subscriptions are in sync and add nothing: one test instead of five extends.
        if planned.errors or planned.in_progress or planned.drift:
            errors += planned.errors
            in_progress += planned.in_progress
            drift += planned.drift
        if planned.stuck or planned.warnings:
            stuck += planned.stuck
            warnings += planned.warnings
    warnings += unmanaged_warnings(live.unmanaged_renewing, options)
    warnings += (Warning_(subscriptionId=sid, message=text) for sid, text in live.notes)
    for order in live.unmanaged_stuck:
        stuck += stuck_orders(order.subscriptionId or "", (order,), options)
    joined = tuple(subs)
    return Plan(
        createdAt=options.now,
        target=options.target,
        revision=options.revision,
        stuckAfterHours=options.stuck_after.total_seconds() / 3600,
        subscriptions=joined,
        errors=tuple(errors),
        inProgress=tuple(in_progress),
        drift=tuple(drift),
        stuck=tuple(stuck),
        warnings=tuple(warnings),
        unmanagedCount=live.unmanaged_count,
        totals=plan_totals(
            joined,
            errors=tuple(errors),
            in_progress=tuple(in_progress),
            drift=tuple(drift),
            stuck=tuple(stuck),
            unmanaged=live.unmanaged_count,
        ),
        specPaths=options.spec_paths,
        specDigest=options.spec_digest,
    )


def _fingerprinted(planned: SubscriptionPlan, live: LiveState) -> SubscriptionPlan:
    """Only subscriptions with steps carry a fingerprint: the stale check at ``apply --plan``
    looks at those alone, and hashing every in-sync one cost a tenth of the plan's time."""
    if not planned.steps:
        return planned
    facts = fingerprint(live.subscriptions.get(planned.id), live.orders.get(planned.id, ()))
    return replace(planned, fingerprint=facts)


def _plan_one(d: DesiredSubscription, live: LiveState, options: PlanOptions) -> Planned:
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
    if seen is None:
        return failed(d, base, unseen(d.id, live.unreadable))
    issue = guard_issue(d, seen)
    if issue is not None:
        return failed(d, base, issue)
    stuck = tuple(stuck_orders(d.id, orders, options)) if orders else ()
    warning = managed_warning(d, seen, options)
    if d.mode == "observe":
        warnings = (warning,) if warning is not None else ()
        changes = desired_changes(d, seen)
        if changes:
            found = Drift(subscriptionId=d.id, changes=changes, source=d.source)
            return Planned(
                replace(base, status="drift"), drift=(found,), stuck=stuck, warnings=warnings
            )
        if stuck or warnings:
            return Planned(base, stuck=stuck, warnings=warnings)
        return Planned(base)
    issue = status_issue(seen)
    if issue is not None:
        return failed(d, base, issue)._replace(stuck=stuck)
    if seen.status is SubscriptionStatus.PENDING:
        provisioning = InProgress(
            subscriptionId=d.id,
            kind=ProgressKind.PROVISIONING,
            message="still being provisioned; nothing to do until it is active",
        )
        return Planned(
            replace(base, status="in-progress"), in_progress=(provisioning,), stuck=stuck
        )
    if d.state == "active":
        planned = plan_active(d, seen, orders, live.estimates.get(d.id), base)
    else:
        fires_soon = renews_within(seen, options) is not None
        planned = plan_cancelled(d, seen, orders, base, fires_soon=fires_soon)
    warnings = ()
    if warning is not None and not (d.state == "cancelled" and disables_auto_renew(planned.plan)):
        # A cancellation that turns auto-renew off first replaces the warning with that
        # step (issue 13); "autoRenew: false" keeps it: it says how soon to merge.
        warnings = (warning,)
    if planned.plan.steps and not seen.customerId:
        # Every write names the customer (POST /orders requires it); the spec leaves it
        # optional in a subscription, so only a subscription that needs a write fails.
        missing = Blocked(
            IssueCode.UNREADABLE, "live customerId missing: needed for the changes; nothing done"
        )
        planned = failed(d, base, missing, in_progress=planned.in_progress)
    if stuck or warnings:
        return planned._replace(stuck=stuck, warnings=warnings)
    return planned
