"""The run's guards evaluated on a plan (controller/plan/guards.py): what plan shows and
apply enforces. Spending caps: a renewThrough typo must not be applied by a --yes run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from controller.marketplace.models import Money
from controller.plan.guards import GuardLimits, evaluate_guards, with_refusals
from controller.plan.model import Plan, RefusalKind, RenewStep
from controller.plan.planner import make_plan
from controller.report.markdown import render_plan_markdown
from controller.report.text import render_plan_text
from tests.plan.builders import declared, live, live_sub, options, state

MONTHLY = {"subscriptionPeriod": {"type": "month", "duration": 1}}


def _renewals(through: str, price: str | None = "10.00", currency: str = "GBP") -> Plan:
    estimates = {"1": Money(amount=price, currency=currency)} if price else {}
    return make_plan(
        state(declared("1", renewThrough=dt.date.fromisoformat(through))),
        live(live_sub("1", expirationDate="2027-01-31", **MONTHLY), estimates=estimates),
        options(),
    )


def _kinds(plan: Plan, limits: GuardLimits) -> list[RefusalKind]:
    return [r.kind for r in evaluate_guards(plan, limits)]


def test_no_refusal_within_the_limits() -> None:
    plan = _renewals("2027-12-31")  # 11 terms
    assert isinstance(plan.steps[0], RenewStep)
    assert plan.steps[0].terms == 11
    assert evaluate_guards(plan, GuardLimits()) == ()
    assert evaluate_guards(plan, GuardLimits(max_cost={"GBP": Decimal("110")})) == ()


def test_a_ten_year_typo_is_refused_by_the_default_term_cap() -> None:
    plan = _renewals("2037-01-31")
    assert isinstance(plan.steps[0], RenewStep)
    assert plan.steps[0].terms == 120
    (refusal,) = evaluate_guards(plan, GuardLimits())
    assert refusal.kind is RefusalKind.MAX_RENEWAL_TERMS
    assert refusal.subscriptionId == "1"
    assert "120 terms" in refusal.message
    assert "--max-renewal-terms 12" in refusal.message


def test_cost_cap_per_currency() -> None:
    plan = _renewals("2027-12-31")  # 11 x 10.00 GBP
    assert plan.totals.cost == {"GBP": "110.00"}
    assert _kinds(plan, GuardLimits(max_cost={"GBP": Decimal("109.99")})) == [RefusalKind.MAX_COST]
    message = evaluate_guards(plan, GuardLimits(max_cost={"GBP": Decimal(100)}))[0].message
    assert "110.00 GBP" in message
    assert "--max-cost 100 GBP" in message


def test_an_unknown_price_or_an_uncapped_currency_cannot_pass_a_cost_cap() -> None:
    caps = GuardLimits(max_cost={"GBP": Decimal(1000)})
    unpriced = _renewals("2027-03-31", price=None)
    assert _kinds(unpriced, caps) == [RefusalKind.MAX_COST]
    assert "no known price" in evaluate_guards(unpriced, caps)[0].message
    # without a cap, an unknown price refuses nothing
    assert evaluate_guards(unpriced, GuardLimits()) == ()
    euro = _renewals("2027-03-31", currency="EUR")
    assert _kinds(euro, caps) == [RefusalKind.MAX_COST]


def test_max_cancellations_counts_cancel_and_approve() -> None:
    decls = [declared(str(i), state="cancelled") for i in range(1, 4)]
    plan = make_plan(state(*decls), live(*(live_sub(d.id) for d in decls)), options())
    assert _kinds(plan, GuardLimits(max_cancellations=3)) == []
    assert _kinds(plan, GuardLimits(max_cancellations=2)) == [RefusalKind.MAX_CANCELLATIONS]


def test_refusals_are_shown_in_every_rendering_and_survive_json() -> None:
    plan = with_refusals(_renewals("2037-01-31"), GuardLimits())
    assert Plan.from_json(plan.to_json()) == plan
    assert '"refusals"' in plan.to_json()
    text = render_plan_text(plan, rich=False)
    assert text.splitlines()[2].startswith("APPLY WILL REFUSE THIS PLAN (exit 3")
    markdown = render_plan_markdown(plan)
    top = "\n".join(markdown.splitlines()[:8])
    assert "APPLY WILL REFUSE THIS PLAN" in top
    assert "--max-renewal-terms 12" in top.replace("\\", "")
    # still at the top when the plan is far too long for one comment
    small = render_plan_markdown(plan, limit=800)
    assert "APPLY WILL REFUSE THIS PLAN" in small
    ok = render_plan_text(_renewals("2027-03-31"), rich=False)
    assert "REFUSE" not in ok
