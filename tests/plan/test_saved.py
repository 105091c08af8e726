"""apply --plan FILE: a stale saved plan is refused, and the refusal says what differs.

The plan files are edited as JSON, the way a hand-edited (or old) plan reaches apply.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import Any

from controller.marketplace.models import Money
from controller.plan.model import Plan, RefusalKind
from controller.plan.planner import make_plan
from controller.plan.saved import check_fresh, step_key
from controller.plan.stalediff import STEP_FIELDS
from tests.plan.builders import declared, live, live_sub, options, state

MONTHLY = {"subscriptionPeriod": {"type": "month", "duration": 1}}


def _fresh() -> Plan:
    """Renew 12345678 for two terms; cancel 1000178 (cancel, then approve)."""
    return make_plan(
        state(
            declared("12345678", renewThrough=dt.date(2027, 2, 28)),
            declared("1000178", state="cancelled"),
        ),
        live(
            live_sub("12345678", expirationDate="2026-12-31", **MONTHLY),
            live_sub("1000178"),
            estimates={"12345678": Money(amount="10.00", currency="GBP")},
        ),
        options(),
    )


def _edited(plan: Plan, edit: Any) -> Plan:
    data = json.loads(plan.to_json())
    edit(data)
    return Plan.model_validate(data)


def _subscription(data: dict[str, Any], sub_id: str) -> dict[str, Any]:
    return next(s for s in data["subscriptions"] if s["id"] == sub_id)


def test_the_same_plan_is_not_stale() -> None:
    assert check_fresh(_edited(_fresh(), lambda data: None), _fresh()) is None


def test_a_changed_field_is_named_with_both_values() -> None:
    def more_terms(data: dict[str, Any]) -> None:
        _subscription(data, "12345678")["steps"][0]["terms"] = 3

    refusal = check_fresh(_edited(_fresh(), more_terms), _fresh())
    assert refusal is not None
    assert refusal.kind is RefusalKind.STALE_PLAN
    assert refusal.message.startswith("stale plan: the steps for 12345678 are not what")
    assert refusal.message.endswith(
        "plan again (what differs: 12345678 step 1 terms: saved 3, now 2)"
    )


def test_added_and_removed_steps_and_subscriptions() -> None:
    def edit(data: dict[str, Any]) -> None:
        _subscription(data, "1000178")["steps"].pop()  # drop the approve
        renewal = _subscription(data, "12345678")
        renewal["steps"][0]["price"] = {"amount": "1.00", "currency": "GBP"}

    refusal = check_fresh(_edited(_fresh(), edit), _fresh())
    assert refusal is not None
    assert "the steps for 1000178, 12345678 are not" in refusal.message
    assert refusal.message.endswith(
        "(what differs: 1000178 step 2: saved none, now approve; "
        "12345678 step 1 price.amount: saved 1.00, now 20.00)"
    )


def test_a_subscription_only_the_saved_plan_touches() -> None:
    def forged(data: dict[str, Any]) -> None:
        cancel = _subscription(data, "1000178")
        data["subscriptions"].append(cancel | {"id": "303"})

    refusal = check_fresh(_edited(_fresh(), forged), _fresh())
    assert refusal is not None
    assert refusal.message.endswith(
        "(what differs: 303 step 1: saved cancel, now none; 303 step 2: saved approve, now none)"
    )


def test_only_the_first_differences_are_listed() -> None:
    def edit(data: dict[str, Any]) -> None:
        for step in _subscription(data, "1000178")["steps"]:
            step["customerId"] = "1000999"
            step["subscriptionId"] = "1000179"

    refusal = check_fresh(_edited(_fresh(), edit), _fresh())
    assert refusal is not None
    assert refusal.message.endswith(
        "(what differs: 1000178 step 1 subscriptionId: saved 1000179, now 1000178; "
        "1000178 step 1 customerId: saved 1000999, now 1000275; "
        "1000178 step 2 subscriptionId: saved 1000179, now 1000178; ...)"
    )


def test_same_steps_on_changed_live_state() -> None:
    def edit(data: dict[str, Any]) -> None:
        _subscription(data, "12345678")["fingerprint"] = "sha256:other"

    refusal = check_fresh(_edited(_fresh(), edit), _fresh())
    assert refusal is not None
    assert refusal.message.endswith(
        "(what differs: 12345678: live state changed since the plan was made)"
    )


def test_the_explained_fields_are_the_compared_ones() -> None:
    for step in _fresh().steps:
        compared = {name for name, _ in step_key(step)}
        assert compared == set(STEP_FIELDS) & set(type(step).model_fields)


def test_a_hand_edited_value_cannot_reach_the_terminal_raw() -> None:
    def edit(data: dict[str, Any]) -> None:
        _subscription(data, "1000178")["steps"][0]["reason"] = (
            "left\x1b]8;;https://x\x07 " + "y" * 80
        )

    refusal = check_fresh(_edited(_fresh(), edit), _fresh())
    assert refusal is not None
    assert "\x1b" not in refusal.message
    assert "\x07" not in refusal.message
    assert "1000178 step 1 reason: saved left" in refusal.message
    assert "…, now Customer left)" in refusal.message


def test_deepdiff_is_imported_only_to_explain_a_refusal() -> None:
    code = (
        "import sys, controller.plan.saved, controller.plan.diff\n"
        "assert 'deepdiff' not in sys.modules, 'deepdiff imported at start-up'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
