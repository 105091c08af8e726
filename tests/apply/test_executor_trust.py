"""Issue 16 (a) and (b) through the executor: the journal tells the truth, and one
planned term never becomes several paid orders.

The marketplace here (tests/marketplace/fakeapi.py) drops or re-cases order attributes,
loses answers after committing, ignores the subscriptionId filter, and leaves renewals
open; each case was a real duplicate or a wrong approval before the fix.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.apply.executor import Executor, ExecutorOptions
from controller.apply.journal import Journal
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.model import Action, Plan, RenewStep
from controller.plan.outcome import Outcome
from controller.spec.loader import load_specs
from tests.e2e.harness import write_specs
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock, subscription

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_waits() -> Any:
    from controller.marketplace.retry import set_testing

    set_testing(True)
    yield
    set_testing(False)


async def _run(
    api: FakeApi, tmp_path: Path, entry: dict[str, Any], before_apply: Any = None
) -> tuple[Plan, list[Any], list[dict[str, Any]]]:
    specs = write_specs(tmp_path / "specs", "acme", [entry])
    journal_path = tmp_path / "journal.jsonl"
    async with httpx.AsyncClient(transport=api.transport()) as http:
        client = make_client(http, api.clock)
        plan = await observe_and_plan(client, load_specs([str(specs)]), PlanOptions(now=NOW))
        if before_apply is not None:
            before_apply()
        report = await Executor(client, Journal(journal_path), ExecutorOptions()).run(plan)
    text = journal_path.read_text() if journal_path.exists() else ""
    lines = [json.loads(line) for line in text.splitlines() if line]
    return plan, report.outcomes, lines


def _renewals(api: FakeApi, sid: str) -> list[dict[str, Any]]:
    return [o for o in api.orders.values() if o["subscriptionId"] == sid and o["type"] == "renewal"]


@pytest.mark.anyio
@pytest.mark.parametrize("kept", ["none", "recased"])
async def test_lost_answers_and_lost_attributes_never_pay_twice_for_a_term(
    tmp_path: Path, kept: str
) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(subscription("1", expirationDate="2027-01-31"))
    entry = {"id": "1", "state": "active", "autoRenew": True, "renewThrough": "2029-06-30"}

    def misbehave() -> None:
        api.attributes_kept = kept
        api.script("POST /orders", *["committed-502"] * 9)

    plan, outcomes, journal = await _run(api, tmp_path, entry, misbehave)
    (step,) = plan.steps
    assert isinstance(step, RenewStep)
    assert step.terms == 3
    # The first POST committed (one term paid); its answer was lost and the order cannot
    # be told ours: the subscription stops there. Before the fix: 3 orders for 1 term.
    assert len(_renewals(api, "1")) == 1
    assert api.count("POST", "/orders") == 1
    (outcome,) = outcomes
    assert outcome.outcome is Outcome.FAILED
    assert "outcome of POST /orders unknown" in outcome.message
    assert [line["outcome"] for line in journal] == ["failed"]
    assert journal[0]["requestId"] in outcome.message


@pytest.mark.anyio
async def test_lost_answers_with_attributes_kept_place_exactly_one_order_per_term(
    tmp_path: Path,
) -> None:
    api = FakeApi(FakeClock())
    api.lists_omit = True  # found by reading the new order whole
    api.add_subscriptions(subscription("1", expirationDate="2027-01-31"))
    entry = {"id": "1", "state": "active", "autoRenew": True, "renewThrough": "2029-06-30"}

    def misbehave() -> None:
        api.script("POST /orders", *["committed-502"] * 9)

    _, outcomes, journal = await _run(api, tmp_path, entry, misbehave)
    assert len(_renewals(api, "1")) == 3
    assert api.count("POST", "/orders") == 3
    assert [o.outcome for o in outcomes] == [Outcome.SUCCEEDED]
    assert [line["outcome"] for line in journal] == ["succeeded"] * 3


@pytest.mark.anyio
async def test_open_renewal_found_before_a_term_places_nothing(tmp_path: Path) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(subscription("1", expirationDate="2027-01-31"))
    entry = {"id": "1", "state": "active", "autoRenew": True, "renewThrough": "2028-06-30"}

    def portal_renews() -> None:  # a renewal placed elsewhere, still processing
        api.add_order(type="renewal", customerId="1000275", subscriptionId="1", status="processing")

    _, outcomes, journal = await _run(api, tmp_path, entry, portal_renews)
    assert api.count("POST", "/orders") == 0
    (outcome,) = outcomes
    assert outcome.outcome is Outcome.IN_PROGRESS
    assert "still processing" in outcome.message
    assert journal == []


@pytest.mark.anyio
async def test_conflict_pointing_at_another_customers_order_approves_nothing(
    tmp_path: Path,
) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(subscription("1"), subscription("2", customer="1000310"))
    foreign = api.add_pending_cancellation(
        "2", customer_id="1000310", attributes={"placedBy": "subctl"}
    )
    entry = {"id": "1", "state": "cancelled", "cancellation": {"reason": "moved away"}}

    def misbehave() -> None:
        api.ignore_subscription_filter = True
        api.lists_omit = True
        api.script("POST /orders", "conflict")

    plan, outcomes, journal = await _run(api, tmp_path, entry, misbehave)
    assert [s.action for s in plan.steps] == [Action.CANCEL, Action.APPROVE]
    assert api.count("PATCH", f"/orders/{foreign['id']}") == 0
    assert api.orders[foreign["id"]]["statusCode"] == "PA"
    assert [o.outcome for o in outcomes] == [Outcome.FAILED, Outcome.NOT_ATTEMPTED]
    assert [line["outcome"] for line in journal] == ["failed"]
