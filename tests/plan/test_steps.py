"""``Step`` is a tagged union on ``action`` (plan/model.py): a plan file whose step has
an unknown action, or lacks a field its action needs, is refused when it is read, with
one line and no traceback; the JSON of every action is what it was as one model."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from controller.marketplace.models import Money
from controller.plan.model import Plan, RenewStep, WithdrawStep
from controller.plan.planner import make_plan
from tests.e2e.harness import subctl, write_specs
from tests.plan.builders import declared, live, live_sub, options, order, state


def _plan_with_every_action() -> Plan:
    subs = (
        declared("1", renewThrough=dt.date(2028, 3, 31), autoRenew=False),
        declared("2", state="cancelled"),
        declared("3"),
    )
    found = live(
        live_sub("1"),
        live_sub("2"),
        live_sub("3"),
        orders=(order("9", "3"),),
        estimates={"1": Money(amount="70.50", currency="GBP")},
    )
    return make_plan(state(*subs), found, options())


def test_each_action_writes_only_its_own_fields() -> None:
    plan = _plan_with_every_action()
    written = {s["action"]: list(s) for s in json.loads(plan.to_json())["changes"]}
    common = ["action", "subscriptionId", "customerId", "description"]
    assert written == {
        "withdraw": [*common, "orderId", "orderNumber"],
        "set-auto-renew": [*common, "autoRenew"],
        "renew": [
            *common,
            *("terms", "fromExpiry", "newExpiry", "renewThrough", "pricePerTerm", "price"),
        ],
        "cancel": [*common, "reason"],
        "approve": common,
    }
    assert Plan.from_json(plan.to_json()) == plan
    assert any(isinstance(s, RenewStep) for s in plan.steps)
    assert any(isinstance(s, WithdrawStep) for s in plan.steps)


@pytest.mark.parametrize(
    ("action", "drop"),
    [("delete", None), ("renew", "terms")],
    ids=["unknown action", "renew without terms"],
)
def test_a_plan_file_with_a_bad_step_is_refused_when_read(
    tmp_path: Path, action: str, drop: str | None
) -> None:
    data = json.loads(_plan_with_every_action().to_json())
    step = next(s for s in data["subscriptions"][0]["steps"] if s["action"] == "renew")
    step["action"] = action
    if drop:
        del step[drop]
    saved = tmp_path / "plan.json"
    saved.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="validation error"):
        Plan.from_json(saved.read_text())
    specs = write_specs(tmp_path / "specs", "acme", [{"id": "1", "state": "active"}])
    result = subctl(None, "apply", str(specs), "--plan", str(saved), "--yes")
    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert f"{saved}: not a subctl plan" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
