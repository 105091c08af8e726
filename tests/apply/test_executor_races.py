"""The executor re-checks live state when another run got there first.

Regressions found by tests/reliability/test_concurrency.py (two applies, no shared lock):
- a renewal step whose plan went stale renewed again: duplicate renewal orders;
- a cancel refused because another run's cancellation had completed failed the run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.apply.executor import Executor, ExecutorOptions
from controller.apply.journal import Journal
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import OrderType
from controller.marketplace.retry import set_testing
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.model import Action, Plan
from controller.plan.outcome import Outcome
from controller.sandbox.embedded import embedded_transport
from controller.spec.loader import load_specs
from tests.e2e.harness import sub, write_specs
from tests.marketplace.conftest import sandbox_settings
from tests.marketplace.placing import orders_of

SETTINGS = sandbox_settings()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[MarketplaceClient]:
    seed = tmp_path / "seed.json"
    # 3 auto-renews in 5 days: its cancellation turns auto-renew off first.
    soon = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    subs = [sub("1"), sub("2"), sub("3", expiry=soon)]
    seed.write_text(json.dumps({"subscriptions": subs}), encoding="utf-8")
    transport = embedded_transport(tmp_path / "db.sqlite", seed=seed, vendor_delay=0)
    set_testing(True)
    try:
        async with httpx.AsyncClient(transport=transport) as http:
            yield MarketplaceClient(http, SETTINGS)
    finally:
        set_testing(False)


async def _stale_plan(client: MarketplaceClient, tmp_path: Path, entry: dict[str, Any]) -> Plan:
    specs = write_specs(tmp_path / "specs", "acme", [entry])
    return await observe_and_plan(
        client, load_specs([str(specs)]), PlanOptions(now=dt.datetime.now(dt.UTC))
    )


def _cancelled(sub_id: str) -> dict[str, Any]:
    """The spec entry of a subscription declared cancelled."""
    return {"id": sub_id, "state": "cancelled", "cancellation": {"reason": "moved away"}}


async def _another_run_cancels(
    client: MarketplaceClient, sub_id: str, *, completed: bool, **attributes: str
) -> str:
    """Another run's cancellation order for ``sub_id`` (approved, so completed at once with
    vendor delay 0, when ``completed``); its order id."""
    other = await client.place_order(
        OrderType.CANCELLATION,
        customer_id="1000275",
        subscription_id=sub_id,
        attributes={"cancellationReason": "moved away", **attributes},
    )
    if completed:
        await client.approve_order(other.order.id)
    return other.order.id


@pytest.mark.anyio
async def test_stale_renewal_plan_places_no_second_renewal(
    client: MarketplaceClient, tmp_path: Path
) -> None:
    entry = {"id": "1", "state": "active", "autoRenew": True, "renewThrough": "2028-03-31"}
    plan = await _stale_plan(client, tmp_path, entry)
    assert [s.action for s in plan.steps] == [Action.RENEW]
    # Another run renews it between this run's plan and its write.
    await client.place_order(
        OrderType.RENEWAL, customer_id="1000275", subscription_id="1", attributes={}
    )
    report = await Executor(client, Journal(None), ExecutorOptions()).run(plan)
    (outcome,) = report.outcomes
    assert outcome.outcome is Outcome.SUCCEEDED
    assert "already renewed through 2028-03-31" in outcome.message
    renewals = await orders_of(client, "1")
    assert len(renewals) == 1


@pytest.mark.anyio
async def test_cancel_completed_by_another_run_is_not_a_failure(
    client: MarketplaceClient, tmp_path: Path
) -> None:
    plan = await _stale_plan(client, tmp_path, _cancelled("2"))
    assert [s.action for s in plan.steps] == [Action.CANCEL, Action.APPROVE]
    await _another_run_cancels(client, "2", completed=True)
    report = await Executor(client, Journal(None), ExecutorOptions()).run(plan)
    assert Outcome.FAILED not in [o.outcome for o in report.outcomes]
    assert [o.outcome for o in report.outcomes] == [Outcome.SUCCEEDED, Outcome.NOT_ATTEMPTED]
    assert "already cancelled" in report.outcomes[0].message
    orders = await orders_of(client, "2")
    assert len(orders) == 1


@pytest.mark.anyio
async def test_cancel_meets_an_open_order_from_another_run(
    client: MarketplaceClient, tmp_path: Path
) -> None:
    # Two runners without a shared lock: the other one's cancellation is still open.
    plan = await _stale_plan(client, tmp_path, _cancelled("2"))
    other_id = await _another_run_cancels(client, "2", completed=False, placedBy="subctl")
    journal = Journal(tmp_path / "j.jsonl")
    report = await Executor(client, journal, ExecutorOptions()).run(plan)
    assert Outcome.FAILED not in [o.outcome for o in report.outcomes]
    cancel, approve = report.outcomes
    assert "already open; using it" in cancel.message
    assert approve.orderId == other_id
    orders = await orders_of(client, "2")
    assert [o.id for o in orders] == [other_id]  # the sandbox refused a second one
    lines = (tmp_path / "j.jsonl").read_text().splitlines()
    assert '"message": "already-open"' in lines[0]


@pytest.mark.anyio
async def test_auto_renew_off_after_another_run_cancelled_is_not_a_failure(
    client: MarketplaceClient, tmp_path: Path
) -> None:
    # The plan's first step turns auto-renew off before the cancellation; another run's
    # cancellation completes in between, so the subscription is terminated when this
    # run's steps start. Nothing fails and no second cancellation order is placed.
    plan = await _stale_plan(client, tmp_path, _cancelled("3"))
    assert [s.action for s in plan.steps] == [Action.SET_AUTO_RENEW, Action.CANCEL, Action.APPROVE]
    await _another_run_cancels(client, "3", completed=True)
    report = await Executor(client, Journal(None), ExecutorOptions()).run(plan)
    assert Outcome.FAILED not in [o.outcome for o in report.outcomes]
    assert [o.outcome for o in report.outcomes] == [
        Outcome.SUCCEEDED,
        Outcome.NOT_ATTEMPTED,
        Outcome.NOT_ATTEMPTED,
    ]
    assert "already cancelled" in report.outcomes[0].message
    assert "not needed" in report.outcomes[1].message
    orders = await orders_of(client, "3")
    assert len(orders) == 1
