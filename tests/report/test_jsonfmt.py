"""Versioned JSON: round trip, stable order, ISO dates, money as strings."""

from __future__ import annotations

import json

import pytest

from controller.plan.model import Plan, Totals
from controller.plan.outcome import ApplyResult
from controller.report.jsonfmt import render_apply_json, render_plan_json
from tests.report.plans import apply_result, every_rule_plan


@pytest.fixture(scope="module")
def full() -> Plan:
    return every_rule_plan()


def test_plan_round_trips(full: Plan) -> None:
    text = render_plan_json(full)
    assert Plan.model_validate_json(text) == full
    # Every section is really in there, so the round trip covers every rule.
    assert full.errors
    assert full.inProgress
    assert full.drift
    assert full.stuck
    assert full.warnings
    assert {s.action.value for s in full.steps} == {
        "approve",
        "cancel",
        "renew",
        "set-auto-renew",
        "withdraw",
    }


def test_plan_file_is_the_same_json(full: Plan) -> None:
    assert render_plan_json(full) == full.to_json()
    assert render_plan_json(full) == render_plan_json(Plan.from_json(render_plan_json(full)))


def test_version_first_and_field_order(full: Plan) -> None:
    data = json.loads(render_plan_json(full))
    assert next(iter(data)) == "formatVersion"
    assert data["formatVersion"] == 1
    fields = (*Plan.model_fields, *Plan.model_computed_fields)
    assert list(data) == [f for f in fields if f in data]


def test_changes_listed_apart_and_derived_again_on_reading(full: Plan) -> None:
    # DESIGN.md section 7: the plan lists changes separately, like errors and drift.
    data = json.loads(render_plan_json(full))
    flat = [s for sub in data["subscriptions"] for s in sub.get("steps", [])]
    assert flat
    assert data["changes"] == flat
    # Read back, ``changes`` is derived from the subscriptions again: editing it in the
    # file changes nothing (a saved plan is re-derived by apply --plan anyway).
    data["changes"] = [{"action": "cancel", "subscriptionId": "999"}]
    again = Plan.model_validate(data)
    assert again == full
    assert [s.subscriptionId for s in again.changes] == [s["subscriptionId"] for s in flat]


def test_dates_iso_money_strings(full: Plan) -> None:
    data = json.loads(render_plan_json(full))
    assert data["createdAt"] == "2026-11-25T12:00:00Z"
    renew = next(s for s in data["subscriptions"] if s["id"] == "112")["steps"][0]
    assert renew["newExpiry"] == "2030-03-31"
    assert renew["price"] == {"amount": "211.50", "currency": "GBP"}
    assert data["totals"]["cost"] == {"EUR": "10", "GBP": "211.50"}
    assert "revision" in data
    assert "orderId" not in renew  # absent optional values are omitted, not null


def test_maps_sorted_lists_kept(full: Plan) -> None:
    # Built through validation, as the planner and a saved plan's loader build it.
    totals = Totals.model_validate(
        {
            **full.totals.model_dump(),
            "byAction": dict(reversed(full.totals.byAction.items())),
            "cost": dict(reversed(full.totals.cost.items())),
        }
    )
    shuffled = full.model_copy(update={"totals": totals})
    data = json.loads(render_plan_json(shuffled))
    assert list(data["totals"]["byAction"]) == sorted(full.totals.byAction)
    assert list(data["totals"]["cost"]) == ["EUR", "GBP"]
    assert [s["id"] for s in data["subscriptions"]] == [s.id for s in full.subscriptions]


def test_apply_round_trips(full: Plan) -> None:
    result = apply_result(full)
    text = render_apply_json(result)
    assert ApplyResult.model_validate_json(text) == result
    data = json.loads(text)
    assert list(data)[:2] == ["formatVersion", "startedAt"]
    assert data["outcomes"][0]["outcome"] == "failed"
