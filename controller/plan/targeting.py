"""``--only ID`` / ``--customer ID``: narrow a plan to some declared subscriptions.

Pure, after the planner (called by ``subctl plan`` and by ``apply`` before its guards),
like ``terraform plan -target``: the plan keeps the targeted subscriptions and what
concerns them (steps, errors, in-progress, drift, stuck orders, warnings), counts the
other declared ones as not targeted, and records the targeting so that renderings
warn that the plan is partial and ``apply --plan`` keeps it. A subscription is
targeted by its id, or by its customer (the live one when it was seen, else the
declared ``customerId``).

The whole declaration set is still observed and planned first: a declared but
untargeted subscription must not be counted as unmanaged, and the reads cost only
time, never a write.
"""

from __future__ import annotations

from collections.abc import Iterable

from controller.errors import ConfigError
from controller.plan.model import Plan, Targeting, Warning_
from controller.plan.totals import plan_totals
from controller.spec.models import DesiredState


def check_targets(desired: DesiredState, only: Iterable[str]) -> None:
    """Every ``--only`` id must be declared: a typo must not plan nothing quietly."""
    declared = {d.id for d in desired.subscriptions}
    unknown = sorted(set(only) - declared)
    if unknown:
        raise ConfigError(
            f"--only {', '.join(unknown)}: not declared in the specs given "
            "(subctl only acts on declared subscriptions)"
        )


def restrict(plan: Plan, only: Iterable[str] = (), customers: Iterable[str] = ()) -> Plan:
    """``plan`` narrowed to the targeted subscriptions; unchanged without targets."""
    ids_wanted = tuple(sorted(set(only)))
    customers_wanted = tuple(sorted(set(customers)))
    if not ids_wanted and not customers_wanted:
        return plan
    subs = tuple(
        s
        for s in plan.subscriptions
        if s.id in ids_wanted or (s.customerId is not None and s.customerId in customers_wanted)
    )
    ids = {s.id for s in subs}
    errors = tuple(e for e in plan.errors if e.subscriptionId in ids)
    in_progress = tuple(p for p in plan.inProgress if p.subscriptionId in ids)
    drift = tuple(d for d in plan.drift if d.subscriptionId in ids)
    stuck = tuple(s for s in plan.stuck if s.subscriptionId in ids)
    warnings = [w for w in plan.warnings if w.subscriptionId in ids]
    seen_customers = {s.customerId for s in subs}
    warnings += [
        Warning_(message=f"--customer {c}: no declared subscription of this customer")
        for c in customers_wanted
        if c not in seen_customers
    ]
    # Counted as make_plan counts (totals.py); unmanaged subscriptions are not targeted.
    totals = plan_totals(
        subs,
        errors=errors,
        in_progress=in_progress,
        drift=drift,
        stuck=stuck,
        unmanaged=plan.totals.unmanaged,
    )
    targeting = Targeting(
        only=ids_wanted,
        customers=customers_wanted,
        notTargeted=len(plan.subscriptions) - len(subs),
    )
    return plan.model_copy(
        update={
            "subscriptions": subs,
            "errors": errors,
            "inProgress": in_progress,
            "drift": drift,
            "stuck": stuck,
            "warnings": tuple(warnings),
            "totals": totals,
            "targeting": targeting,
        }
    )
