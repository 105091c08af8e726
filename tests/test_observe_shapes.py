"""Issue 12 / 16 (c): observe + plan cope with every response the published API allows,
and validate live values strictly, one item at a time.

Driven through the fake marketplace (tests/marketplace/fakeapi.py) over MockTransport:
one odd or invalid item becomes that subscription's error (or a plan warning), never a
failed listing, and an open order is never invisible for lack of ``subscriptionId``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.marketplace.client import MarketplaceClient
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.model import Action, IssueCode, Plan, RenewStep, acted_on
from controller.spec.loader import load_specs
from tests.e2e.harness import write_specs
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeApi, FakeClock, subscription

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


async def _plan(api: FakeApi, tmp_path: Path, entries: list[dict[str, Any]]) -> Plan:
    specs = write_specs(tmp_path / "specs", "acme", entries)
    async with httpx.AsyncClient(transport=api.transport()) as http:
        client: MarketplaceClient = make_client(http, api.clock)
        return await observe_and_plan(client, load_specs([str(specs)]), PlanOptions(now=NOW))


def _active(sid: str, **more: Any) -> dict[str, Any]:
    return {"id": sid, "state": "active", "autoRenew": True, **more}


def _errors(plan: Plan) -> dict[str, tuple[IssueCode, str]]:
    return {e.subscriptionId: (e.code, e.message) for e in plan.errors}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("odd", "field"),
    [
        ({"expirationDate": 0}, "expirationDate"),  # once planned 685 terms
        ({"expirationDate": 1830297600}, "expirationDate"),
        ({"renewalStatus": "no"}, "renewalStatus"),
        ({"renewalStatus": 0}, "renewalStatus"),
        ({"subscriptionPeriod": {"type": "year", "duration": "1"}}, "duration"),
        ({"totalPrice": {"amount": 70.5, "currency": "GBP"}}, "amount"),
    ],
)
async def test_invalid_live_value_is_that_subscriptions_error(
    tmp_path: Path, odd: dict[str, Any], field: str
) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(subscription("1", **odd), subscription("2", renewalStatus=False))
    plan = await _plan(api, tmp_path, [_active("1", renewThrough="2030-01-31"), _active("2")])
    code, message = _errors(plan)["1"]
    assert code is IssueCode.UNREADABLE
    assert "live value invalid" in message
    assert field in message
    assert [(s.subscriptionId, s.action) for s in plan.steps] == [("2", Action.SET_AUTO_RENEW)]
    assert api.count("POST", "/orders") == 0


@pytest.mark.anyio
async def test_invalid_undeclared_and_id_less_items_are_warnings(tmp_path: Path) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(subscription("1"), subscription("9", renewalStatus="yes"))
    api.subscriptions["x"] = {"name": "no id at all", "status": "active"}
    plan = await _plan(api, tmp_path, [_active("1")])
    assert plan.errors == ()
    assert plan.unmanagedCount == 1
    messages = [w.message for w in plan.warnings]
    assert any("live value invalid" in m for m in messages), messages
    assert any("no usable id" in m for m in messages), messages


@pytest.mark.anyio
async def test_spec_allowed_shapes_are_read(tmp_path: Path) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(
        subscription("1", status="unknown"),
        subscription("2", subscriptionPeriod={"type": "statement_day", "duration": 0}),
        {"id": "3", "name": "Comms Care", "status": "active", "renewalStatus": True},
        subscription("4"),
    )
    api.add_order(
        type="unknown",
        customerId="1000275",
        subscriptionId="4",
        status="submitted",
        creationDate="2019-03-19 07:22:59",  # naive: read as UTC
    )
    plan = await _plan(
        api,
        tmp_path,
        [
            _active("1"),
            _active("2", renewThrough="2030-01-31"),
            _active("3", customerId="1000275"),
            _active("4", autoRenew=False),
        ],
    )
    errors = _errors(plan)
    assert errors["1"] == (IssueCode.UNREADABLE, "live status unknown; nothing done")
    assert errors["2"][0] is IssueCode.UNKNOWN_PERIOD
    assert "customerId missing" in errors["3"][1]
    assert [(s.subscriptionId, s.action) for s in plan.steps] == [("4", Action.SET_AUTO_RENEW)]
    assert [s.orderId for s in plan.stuck] == [next(iter(api.orders))]


@pytest.mark.anyio
async def test_open_orders_without_subscription_id_in_lists_are_still_seen(
    tmp_path: Path,
) -> None:
    # 1.15 list items carry no subscriptionId and may omit attributes.
    api = FakeApi(FakeClock())
    api.lists_omit = True
    api.add_subscriptions(subscription("1"), subscription("2"), subscription("3"))
    pending = api.add_pending_cancellation(
        "1", attributes={"placedBy": "subctl", "cancellationReason": "moved"}
    )
    renewing = api.add_order(
        type="renewal", customerId="1000275", subscriptionId="2", status="processing"
    )
    portal = api.add_pending_cancellation("3", attributes={"placedBy": "portal"})
    plan = await _plan(
        api,
        tmp_path,
        [
            {"id": "1", "state": "cancelled", "cancellation": {"reason": "moved away"}},
            _active("2", renewThrough="2030-01-31"),
            _active("3"),
        ],
    )
    assert [(s.subscriptionId, s.action, acted_on(s)[0]) for s in plan.steps] == [
        ("1", Action.APPROVE, pending["id"])
    ]
    progress = {p.subscriptionId: p.orderId for p in plan.inProgress}
    assert progress == {"2": renewing["id"]}  # no renewal while one is open
    assert _errors(plan)["3"][0] is IssueCode.PORTAL_CANCELLATION
    assert api.count("GET", f"/orders/{portal['id']}") == 1


@pytest.mark.anyio
async def test_open_cancellation_with_unknown_code_is_unknown_state(tmp_path: Path) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(subscription("1"), subscription("2"))
    for sid in ("1", "2"):
        api.add_order(
            type="cancellation",
            customerId="1000275",
            subscriptionId=sid,
            status="submitted",
            statusCode="HD",
            attributes={"placedBy": "subctl"},
        )
    plan = await _plan(
        api,
        tmp_path,
        [
            {"id": "1", "state": "cancelled", "cancellation": {"reason": "moved away"}},
            _active("2"),
        ],
    )
    assert plan.steps == ()  # neither approved nor withdrawn on a guess
    messages = {p.subscriptionId: p.message for p in plan.inProgress}
    assert set(messages) == {"1", "2"}
    assert all("unknown state" in m for m in messages.values())


@pytest.mark.anyio
async def test_estimate_with_only_the_guaranteed_fields_is_priced(tmp_path: Path) -> None:
    api = FakeApi(FakeClock())
    api.add_subscriptions(subscription("1", totalPrice={"amount": "70.50", "currency": "GBP"}))

    def minimal(request: httpx.Request) -> httpx.Response:
        response = api.handle(request)
        if request.url.path.endswith("/orders/estimate"):
            body = response.json()
            return httpx.Response(200, json={k: body[k] for k in ("type", "customerId", "total")})
        return response

    specs = write_specs(tmp_path / "specs", "acme", [_active("1", renewThrough="2028-01-31")])
    async with httpx.AsyncClient(transport=httpx.MockTransport(minimal)) as http:
        plan = await observe_and_plan(
            make_client(http, api.clock), load_specs([str(specs)]), PlanOptions(now=NOW)
        )
    (step,) = plan.steps
    assert isinstance(step, RenewStep)
    assert step.price is not None
    assert step.price.currency == "GBP"


@pytest.mark.anyio
async def test_export_skips_an_invalid_item_and_sees_open_cancellations(tmp_path: Path) -> None:
    from controller.export import read_live

    api = FakeApi(FakeClock())
    api.lists_omit = True
    api.add_subscriptions(subscription("1"), subscription("2", expirationDate=0))
    api.add_pending_cancellation("1", attributes={"cancellationReason": "moved"})
    notes: list[str] = []
    async with httpx.AsyncClient(transport=api.transport()) as http:
        subs, orders = await read_live(make_client(http, api.clock), None, notes)
    assert [s.id for s in subs] == ["1"]
    assert list(orders) == ["1"]
    assert len(notes) == 1
    assert "skipped subscription 2" in notes[0]
