"""The apply confirmation question, from a plan's totals.

Asked by ``subctl apply`` (controller/commands/terminal.py) after the plan is shown and before any
write: ``Apply 7 changes (2 cancellations, 3 renewals costing 198.00 EUR) to <target>?``.
Pure, so the wording is tested without a terminal.
"""

from __future__ import annotations

from controller.plan.model import Action, Plan
from controller.report.sections import money, plural, unpriced_renewals


def confirm_question(plan: Plan) -> str:
    """The question, without the ``[y/N]`` that the prompt adds."""
    totals = plan.totals
    parts: list[str] = []
    cancellations = plan.cancellations
    if cancellations:
        parts.append(plural(cancellations, "cancellation"))
    renewals = totals.byAction.get(Action.RENEW.value, 0)
    if renewals:
        text = plural(renewals, "renewal")
        costs = [money(amount, cur) for cur, amount in sorted(totals.cost.items())]
        if costs:
            text += " costing " + " + ".join(costs)
        unpriced = unpriced_renewals(plan)
        if unpriced:
            text += f"{' +' if costs else ','} {unpriced} without a price estimate"
        parts.append(text)
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"Apply {plural(totals.changes, 'change')}{detail} to {plan.target}?"
