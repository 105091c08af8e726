"""The --summary file: flat counts later CI steps branch on."""

from __future__ import annotations

import json

from controller.report.summary import apply_summary, plan_summary, render_summary
from tests.plan.builders import declared
from tests.report.plans import apply_result, every_rule_plan, plan_of


def test_plan_summary() -> None:
    summary = plan_summary(every_rule_plan())
    assert summary == {
        "formatVersion": 1,
        "has_changes": True,
        "counts": {"approve": 4, "cancel": 4, "renew": 3, "set-auto-renew": 2, "withdraw": 1},
        "in_progress": 4,
        "errors": summary["errors"],
        "drift": 1,
        "stuck": 1,
        "in_sync": 2,
        "unmanaged": 4,
        "cost": {"EUR": "10", "GBP": "211.50"},
        "unpriced_renewals": 1,
        "guard_refusals": [],
        "refusal": None,
    }
    assert [e["code"] for e in summary["errors"]][:2] == ["not-found", "guard-mismatch"]
    assert summary["errors"][0] == {
        "subscriptionId": "102",
        "code": "not-found",
        "message": "subscription 102 not found in the marketplace",
    }
    assert json.loads(render_summary(summary)) == summary


def test_plan_summary_in_sync() -> None:
    summary = plan_summary(plan_of(declared("1")))
    assert summary["has_changes"] is False
    assert set(summary["counts"].values()) == {0}
    assert summary["errors"] == []
    assert summary["cost"] == {}


def test_apply_summary_with_refusal() -> None:
    result = apply_result(every_rule_plan())
    summary = apply_summary(result, "plan cancels 6 subscriptions, more than --max-cancellations 5")
    assert summary["guard_refusals"] == [
        "plan cancels 6 subscriptions, more than --max-cancellations 5"
    ]
    assert (
        summary["succeeded"],
        summary["failed"],
        summary["in_progress"],
        summary["not_attempted"],
    ) == (10, 1, 1, 2)
    assert summary["plan_in_progress"] == 4
    assert summary["still_processing"] == ["SO5001", "SO7777"]
    assert summary["ok"] is False
    assert len(summary["errors"]) == 8
    assert json.loads(render_summary(summary)) == summary


def test_apply_summary_not_refused() -> None:
    summary = apply_summary(apply_result(every_rule_plan()), None)
    assert summary["guard_refusals"] == []
