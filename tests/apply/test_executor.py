"""The executor against the real sandbox in-process: step order, failures, hand-over."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.apply.executor import Executor, ExecutorOptions
from controller.apply.journal import Journal
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.settings import ApiSettings, Secret
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.model import RenewStep
from controller.plan.outcome import Outcome
from controller.reconcile import ApplyOptions, apply
from controller.sandbox.embedded import BASE_URL, EmbeddedTransport, embedded_transport
from controller.spec.models import Cancellation, DesiredState, DesiredSubscription
from tests.e2e.harness import order, sub

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def sandbox(
    tmp_path: Path, seed: Mapping[str, object]
) -> AsyncIterator[tuple[MarketplaceClient, EmbeddedTransport]]:
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(seed))
    transport = embedded_transport(":memory:", seed=seed_file, vendor_delay=600)
    settings = ApiSettings(
        base_url=BASE_URL,
        username="sandbox",
        password=Secret("sandbox"),
        subscription_key=Secret("sandbox-key"),
    )
    async with httpx.AsyncClient(transport=transport) as http:
        yield MarketplaceClient(http, settings), transport


def declared(sub_id: str, **fields: Any) -> DesiredSubscription:
    data: dict[str, Any] = {"id": sub_id, "source": "s.yaml:3", "setName": "s", **fields}
    return DesiredSubscription(**data)


def options() -> PlanOptions:
    return PlanOptions(now=dt.datetime.now(dt.UTC), revision="abc1234")


async def test_failed_step_stops_its_subscription_only(tmp_path: Path) -> None:
    seed = {
        "subscriptions": [sub("1", renew=False), sub("2", renew=False)],
        "orders": [order("91", "1")],
    }
    desired = DesiredState(
        subscriptions=(
            declared("1", state="active", autoRenew=True),
            declared("2", state="active", autoRenew=True),
        )
    )
    async with sandbox(tmp_path, seed) as (client, _transport):
        plan = await observe_and_plan(client, desired, options())
        assert [s.action.value for s in plan.steps] == [
            "withdraw",
            "set-auto-renew",
            "set-auto-renew",
        ]
        # Between plan and apply, someone withdraws order 91 in the portal... and the
        # marketplace refuses withdrawing it again; the client re-reads and accepts that.
        await client.withdraw_order("91")
        journal = Journal(tmp_path / "j.jsonl")
        report = await Executor(client, journal, ExecutorOptions(revision="abc")).run(plan)
        assert [o.outcome for o in report.outcomes] == [Outcome.SUCCEEDED] * 3
        live = await client.get_subscription("1")
        assert live.renewalStatus is True


async def test_failure_marks_later_steps_not_attempted(tmp_path: Path) -> None:
    seed = {"subscriptions": [sub("1", renew=False), sub("2", renew=False)], "orders": []}
    desired = DesiredState(
        subscriptions=(
            declared("1", state="active", autoRenew=True, renewThrough=dt.date(2028, 3, 31)),
            declared("2", state="active", autoRenew=True),
        )
    )
    async with sandbox(tmp_path, seed) as (client, transport):
        plan = await observe_and_plan(client, desired, options())
        # The subscription is terminated after the plan was made: every write is refused.
        with transport.store.transaction() as (conn, _now):
            conn.execute("UPDATE subscriptions SET status = 'terminated' WHERE id = 1")
        journal = Journal(tmp_path / "j.jsonl")
        report = await Executor(client, journal, ExecutorOptions()).run(plan)
        outcomes = [(o.subscriptionId, o.action.value, o.outcome) for o in report.outcomes]
        assert outcomes == [
            ("1", "set-auto-renew", Outcome.FAILED),
            ("1", "renew", Outcome.NOT_ATTEMPTED),
            ("2", "set-auto-renew", Outcome.SUCCEEDED),
        ]
        lines = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
        # subscriptions run concurrently, so journal lines come in completion order
        assert sorted((x["subscription"], x["outcome"]) for x in lines) == [
            ("1", "failed"),
            ("2", "succeeded"),
        ]


async def test_cancel_then_approve_the_order_it_placed(tmp_path: Path) -> None:
    seed = {"subscriptions": [sub("1")], "orders": []}
    reason = Cancellation(reason="Moved away")
    desired = DesiredState(subscriptions=(declared("1", state="cancelled", cancellation=reason),))
    async with sandbox(tmp_path, seed) as (client, _transport):
        plan = await observe_and_plan(client, desired, options())
        report = await Executor(client, Journal(None), ExecutorOptions(revision="abc")).run(plan)
        cancel, approve = report.outcomes  # auto-renew fires months later: left as is
        assert cancel.outcome is Outcome.SUCCEEDED
        assert approve.outcome is Outcome.IN_PROGRESS
        assert approve.orderId == cancel.orderId
        assert report.approved == [cancel.orderId]
        placed = await client.get_order(cancel.orderId or "")
        assert placed.attributes["placedBy"] == "subctl"
        assert placed.attributes["specSource"] == "s.yaml:3"
        assert placed.attributes["revision"] == "abc"
        assert placed.attributes["cancellationReason"] == "Moved away"


async def test_renew_plans_the_terms_the_marketplace_applies(tmp_path: Path) -> None:
    # Seeded on the 31st, the marketplace keeps that day: 31 Jan -> 28 Feb -> 31 Mar.
    # The plan keeps the same anchor day (controller/periods.py), so it says 2 terms and
    # apply places 2 (issue 13: it said 3, apply placed 2, the reviewer saw a wrong cost).
    seed = {"subscriptions": [sub("1", expiry="2027-01-31", period="month")], "orders": []}
    desired = DesiredState(
        subscriptions=(
            declared("1", state="active", autoRenew=True, renewThrough=dt.date(2027, 3, 30)),
        )
    )
    async with sandbox(tmp_path, seed) as (client, _transport):
        plan = await observe_and_plan(client, desired, options())
        (step,) = plan.steps
        assert isinstance(step, RenewStep)
        assert (step.terms, step.newExpiry) == (2, dt.date(2027, 3, 31))
        report = await Executor(client, Journal(None), ExecutorOptions()).run(plan)
        assert [o.outcome for o in report.outcomes] == [Outcome.SUCCEEDED]
        renewals = [o async for o in client.iter_orders(subscription_id="1")]
        assert len(renewals) == 2
        live = await client.get_subscription("1")
        assert live.expirationDate == dt.date(2027, 3, 31)


async def test_second_apply_makes_no_write_call(tmp_path: Path) -> None:
    seed = {
        "subscriptions": [sub("1", renew=False), sub("2", price="9.99"), sub("3"), sub("4")],
        "orders": [order("94", "4")],
    }
    reason = Cancellation(reason="Moved away")
    desired = DesiredState(
        subscriptions=(
            declared("1", state="active", autoRenew=True),
            declared("2", state="active", autoRenew=True, renewThrough=dt.date(2029, 1, 1)),
            declared("3", state="cancelled", cancellation=reason),
            declared("4", state="active", autoRenew=True),
        )
    )
    writes = ("PATCH /subscriptions/{id}", "POST /orders", "PATCH /orders/{id}")
    async with sandbox(tmp_path, seed) as (client, _transport):
        first = await apply(client, desired, options(), ApplyOptions(), Journal(None))
        assert first.ok
        made = client.calls.snapshot()
        assert all(made.get(w, 0) > 0 for w in writes), made
        client.calls.reset()
        second = await apply(client, desired, options(), ApplyOptions(), Journal(None))
        assert second.ok
        assert second.outcomes == ()
        calls = client.calls.snapshot()
        assert not any(calls.get(w, 0) for w in writes), calls
