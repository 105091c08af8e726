"""The run's guards, evaluated on a Plan: what would make ``apply`` refuse the whole run.

Pure, after the planner. ``subctl plan`` attaches the refusals to the plan it shows (text,
markdown and JSON, and ``--detailed-exitcode`` exits 3), so a pull request cannot be
merged green and then be refused by every scheduled apply; ``subctl apply`` evaluates the
same function on the plan it is about to execute and refuses (exit 3) before any write.

- ``--max-cancellations N``: subscriptions cancelled or approved for cancellation.
- ``--max-renewal-terms N``: renewal orders for one subscription in one run.
- ``--max-cost AMOUNT CURRENCY`` (once per currency): the run's renewal total in that
  currency. A cap cannot be checked against an unknown price, so when any cap is set a
  renewal without a price, or priced in a currency with no cap, refuses the run too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from controller.defaults import MAX_CANCELLATIONS, MAX_RENEWAL_TERMS
from controller.plan.model import Action, Plan, Refusal, RefusalKind


@dataclass(frozen=True)
class GuardLimits:
    max_cancellations: int = MAX_CANCELLATIONS
    max_renewal_terms: int = MAX_RENEWAL_TERMS
    max_cost: Mapping[str, Decimal] = field(default_factory=dict)  # currency -> cap


def evaluate_guards(plan: Plan, limits: GuardLimits) -> tuple[Refusal, ...]:
    """Every guard this plan trips, in a fixed order; empty when apply may proceed."""
    refusals: list[Refusal] = []
    if plan.cancellations > limits.max_cancellations:
        refusals.append(
            Refusal(
                kind=RefusalKind.MAX_CANCELLATIONS,
                message=f"the plan cancels {plan.cancellations} subscriptions, more than "
                f"--max-cancellations {limits.max_cancellations}",
            )
        )
    renewals = [s for s in plan.steps if s.action is Action.RENEW]
    for step in renewals:
        if (step.terms or 0) > limits.max_renewal_terms:
            refusals.append(
                Refusal(
                    kind=RefusalKind.MAX_RENEWAL_TERMS,
                    subscriptionId=step.subscriptionId,
                    message=f"subscription {step.subscriptionId} would be renewed {step.terms} "
                    f"terms (through {step.newExpiry}), more than --max-renewal-terms "
                    f"{limits.max_renewal_terms}",
                )
            )
    if limits.max_cost:
        refusals.extend(_cost_refusals(plan, limits.max_cost))
    return tuple(refusals)


def _cost_refusals(plan: Plan, caps: Mapping[str, Decimal]) -> list[Refusal]:
    refusals: list[Refusal] = []
    for step in plan.steps:
        if step.action is not Action.RENEW:
            continue
        if step.price is None:
            refusals.append(
                Refusal(
                    kind=RefusalKind.MAX_COST,
                    subscriptionId=step.subscriptionId,
                    message=f"the renewal of subscription {step.subscriptionId} has no known "
                    "price, so --max-cost cannot be checked",
                )
            )
        elif step.price.currency not in caps:
            refusals.append(
                Refusal(
                    kind=RefusalKind.MAX_COST,
                    subscriptionId=step.subscriptionId,
                    message=f"the renewal of subscription {step.subscriptionId} costs "
                    f"{step.price.amount} {step.price.currency}, a currency with no --max-cost",
                )
            )
    for currency, total in sorted(plan.totals.cost.items()):
        cap = caps.get(currency)
        if cap is not None and Decimal(total) > cap:
            refusals.append(
                Refusal(
                    kind=RefusalKind.MAX_COST,
                    message=f"the plan's renewals cost {total} {currency}, more than "
                    f"--max-cost {cap} {currency}",
                )
            )
    return refusals


def with_refusals(plan: Plan, limits: GuardLimits) -> Plan:
    """The plan with its ``refusals`` (re)computed for this run's limits."""
    return plan.model_copy(update={"refusals": evaluate_guards(plan, limits)})


def refusal_text(refusals: tuple[Refusal, ...]) -> str:
    """One line for a GuardError: the first refusal, and how many more."""
    first = refusals[0].message
    more = f" (and {len(refusals) - 1} more refusal(s))" if len(refusals) > 1 else ""
    return f"refusing to apply: {first}{more}; nothing was written"
