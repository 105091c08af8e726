"""Contract suite (issue 12): observe + plan on spec-valid bodies generated from our
own JSON Schemas of SimpleAPI 1.15 (tests/contract/schemas).

Each example serves generated subscriptions, orders and estimates through an
``httpx.MockTransport`` and plans a declaration of some of them. Whatever the published
spec allows: no exception escapes, no step is duplicated, and an item that subctl cannot
use only affects its own subscription. Deterministic (``derandomize``) so CI cannot flake.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Any, cast

import anyio
import httpx
import pydantic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from controller.errors import ApiError
from controller.marketplace.models import Estimate, Order, Subscription, adapter
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.model import IssueCode, Plan, acted_on
from controller.spec.loader import load_specs
from tests.contract.schemas import load
from tests.e2e.harness import write_specs
from tests.marketplace.conftest import make_client
from tests.marketplace.fakeapi import FakeClock

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_DIGITS = re.compile(r"[0-9]+")


def _valid(model: type[Any], body: Any) -> bool:
    try:
        item = adapter(model).validate_python(body)
    except pydantic.ValidationError:
        return False
    return bool(getattr(item, "id", "x").strip()) if model is not Estimate else True


def _objects(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies valid against ``schemas/<name>`` (an object schema)."""
    return cast("st.SearchStrategy[dict[str, Any]]", from_schema(load(name)))


@st.composite
def _world(draw: st.DrawFn) -> dict[str, Any]:
    subs = draw(st.lists(_objects("subscription-detailed.json"), max_size=5))
    # Declarable ids are digits: give most generated subscriptions one, keep the rest.
    for index, body in enumerate(subs):
        if index % 4 != 3:
            body["id"] = str(1000 + index)
    orders = draw(st.lists(_objects("order-detailed.json"), max_size=5))
    for index, order in enumerate(orders):
        order["id"] = f"9{index}"
        if subs and index % 2 == 0:
            order["subscriptionId"] = str(subs[index % len(subs)].get("id", ""))
    estimate = draw(_objects("estimate.json"))
    omit = draw(st.booleans())  # 1.15 list items: no subscriptionId, no attributes
    return {"subs": subs, "orders": orders, "estimate": estimate, "omit": omit}


def _serve(world: dict[str, Any]) -> httpx.MockTransport:
    subs, orders = world["subs"], {o["id"]: o for o in world["orders"]}

    def page(items: list[Any]) -> httpx.Response:
        n = len(items)
        return httpx.Response(
            200, json={"data": items, "pagination": {"offset": 0, "limit": 100, "total": n}}
        )

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/token"):
            return httpx.Response(200, json={"token": "t" * 40, "expiresInSeconds": 3600})
        if path.endswith("/subscriptions"):
            return page(subs)
        if path.endswith("/orders/estimate"):
            return httpx.Response(200, json=world["estimate"])
        if path.endswith("/orders"):
            status = request.url.params.get("status")
            listed = [o for o in orders.values() if status in (None, o.get("status"))]
            sub_id = request.url.params.get("subscriptionId")
            if sub_id is not None:
                listed = [o for o in listed if o.get("subscriptionId") == sub_id]
            if world["omit"]:
                drop = ("subscriptionId", "attributes")
                listed = [{k: v for k, v in o.items() if k not in drop} for o in listed]
            return page(listed)
        if "/orders/" in path:
            found = orders.get(path.rsplit("/", 1)[-1])
            if found is None:
                return httpx.Response(404, json={"message": "No entity has been found"})
            return httpx.Response(200, json=found)
        return httpx.Response(404, json={"message": "not found"})

    return httpx.MockTransport(handle)


def _declared(world: dict[str, Any]) -> list[dict[str, Any]]:
    ids = sorted({s["id"] for s in world["subs"] if _DIGITS.fullmatch(str(s.get("id", "")))})
    entries: list[dict[str, Any]] = []
    for index, sid in enumerate(ids):
        if index % 3 == 0:
            entries.append(
                {"id": sid, "state": "active", "autoRenew": True, "renewThrough": "2031-12-31"}
            )
        elif index % 3 == 1:
            entries.append({"id": sid, "state": "active", "autoRenew": False})
        else:
            entries.append({"id": sid, "state": "cancelled", "cancellation": {"reason": "gone"}})
    return entries


async def _observe(world: dict[str, Any], specs: Path) -> Plan:
    async with httpx.AsyncClient(transport=_serve(world)) as http:
        client = make_client(http, FakeClock())
        return await observe_and_plan(client, load_specs([str(specs)]), PlanOptions(now=NOW))


def _tainted(world: dict[str, Any]) -> set[str]:
    """Declared ids whose own data subctl may refuse: its body, an order naming it, or
    the (shared) estimate answer."""
    bad = {str(s.get("id")) for s in world["subs"] if not _valid(Subscription, s)}
    for order in world["orders"]:
        if not _valid(Order, order) or "subscriptionId" not in order:
            bad.add(str(order.get("subscriptionId")))
            bad.add("*")  # an order that names no subscription: anyone's, unknowable
    if not _valid(Estimate, world["estimate"]):
        bad.add("estimate")
    return bad


@SETTINGS
@given(world=_world())
def test_observe_and_plan_survive_every_spec_valid_world(
    world: dict[str, Any], tmp_path_factory: Any
) -> None:
    entries = _declared(world)
    specs = write_specs(tmp_path_factory.mktemp("specs"), "contract", entries)
    try:
        plan = anyio.run(_observe, world, specs)
    except ApiError:
        # A whole-response problem (e.g. a page the client cannot trust) is a clean,
        # reported error; anything else escaping is a bug.
        return
    keys = Counter((s.subscriptionId, s.action, acted_on(s)[0]) for s in plan.steps)
    assert all(n == 1 for n in keys.values()), keys
    per_sub = Counter((s.subscriptionId, s.action) for s in plan.steps)
    assert all(n == 1 for n in per_sub.values()), per_sub
    declared = {e["id"] for e in entries}
    assert {e.subscriptionId for e in plan.errors} <= declared
    bad = _tainted(world)
    for error in plan.errors:
        if error.code is IssueCode.UNREADABLE and "live value invalid" in error.message:
            assert error.subscriptionId in bad or "*" in bad, (error, bad)
