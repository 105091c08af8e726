"""Terminal renderings: sections present exactly when non-empty, in order, no ANSI in plain."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from controller.plan.model import Plan
from controller.plan.planner import make_plan
from controller.report.text import clean, render_apply_text, render_plan_text
from tests.plan.builders import declared, live, live_sub, options, state
from tests.report.plans import apply_result, every_rule_plan, plan_of

TITLES = [
    "Changes (",
    "In progress (",
    "Errors (",
    "Drift (observe mode) (",
    "Stuck orders (",
    "Warnings (",
    "unmanaged subscription",
]
ANSI = re.compile(r"\x1b\[")


def _titles(text: str) -> list[str]:
    return [t for t in TITLES if t in text]


@pytest.fixture(scope="module")
def full() -> Plan:
    return every_rule_plan()


@pytest.mark.parametrize("rich", [False, True])
def test_every_section_in_order(full: Plan, rich: bool) -> None:
    out = render_plan_text(full, rich=rich, width=200, color=False)
    assert _titles(out) == TITLES
    positions = [out.index(t) for t in TITLES]
    assert positions == sorted(positions)
    assert "No changes" not in out


# One plan per section: (declarations, live overrides, the sections expected).
SINGLE: dict[str, tuple[dict[str, Any], dict[str, Any], list[str]]] = {
    "changes": ({"autoRenew": False}, {}, ["Changes ("]),
    "in progress": ({}, {"status": "pending"}, ["In progress ("]),
    "errors": ({"customerId": "9"}, {}, ["Errors ("]),
    "drift": ({"mode": "observe", "autoRenew": False}, {}, ["Drift (observe mode) ("]),
    "in sync": ({}, {}, []),
}


@pytest.mark.parametrize("case", SINGLE, ids=list(SINGLE))
def test_section_only_when_present(case: str) -> None:
    decl, live_fields, expected = SINGLE[case]
    plan = plan_of(declared("1", **decl), **live_fields)
    out = render_plan_text(plan, rich=False)
    assert _titles(out) == expected
    if case == "in sync":
        assert "No changes. Live state matches the specs." in out
    elif case != "changes":
        assert "No changes to apply." in out


def test_warning_and_unmanaged_only_sections() -> None:
    soon = {"renewalDate": "2026-12-01", "expirationDate": "2026-12-01"}
    plan = make_plan(
        state(declared("1")),
        live(live_sub("1"), unmanaged=3, renewing=(live_sub("2", **soon),)),
        options(),
    )
    out = render_plan_text(plan, rich=False)
    assert _titles(out) == ["Warnings (", "unmanaged subscription"]
    assert "No changes. Live state matches the specs." in out
    assert out.rstrip().endswith(
        "3 unmanaged subscriptions (not declared in the specs; never touched)."
    )


def test_header_and_count_line(full: Plan) -> None:
    lines = render_plan_text(full, rich=False).splitlines()
    assert lines[0] == "Plan for sandbox at 0123abc, 2026-11-25T12:00:00+00:00"
    assert lines[1] == (
        "14 to change (4 approve, 4 cancel, 3 renew, 2 set-auto-renew, 1 withdraw), "
        "4 in progress, 8 errors, 1 drift, 1 stuck, 2 in sync, 4 unmanaged, "
        "cost 10 EUR, 211.50 GBP (+ 1 renewal without a price estimate)"
    )


def test_detail_rows(full: Plan) -> None:
    out = render_plan_text(full, rich=False)
    row = next(line for line in out.splitlines() if line.lstrip().startswith("112 "))
    for part in ("Head office", "1000275", "2027-03-31", "in 126 days", "renew"):
        assert part in row
    assert "3 terms: expiry 2027-03-31 -> 2030-03-31, 211.50 GBP (70.50 GBP per term)" in row
    assert "specs/acme.yaml:7  guard-mismatch" in out
    assert "autoRenew  true -> false" in out
    assert "SO906  cancellation  processing  100 h (4.2 days)" in out


def test_plain_has_no_ansi_even_from_hostile_text(full: Plan) -> None:
    out = render_plan_text(full, rich=False)
    assert "\x1b" not in out
    assert "\\x1b[2J" in out  # shown, defused
    assert "<script>alert(1)</script> next" in out  # the newline did not split the row


def test_rich_colour_on_and_off(full: Plan) -> None:
    coloured = render_plan_text(full, rich=True, width=160)
    plain = render_plan_text(full, rich=True, width=160, color=False)
    assert ANSI.search(coloured)
    assert "\x1b" not in plain
    assert "┏" in plain  # still a rich table, only without colour


def test_rich_does_not_interpret_markup() -> None:
    plan = plan_of(declared("1", name="[bold red]x[/] :smile:", autoRenew=False))
    out = render_plan_text(plan, rich=True, width=200, color=False)
    assert "[bold red]x[/] :smile:" in out


def test_rich_width_is_respected(full: Plan) -> None:
    out = render_plan_text(full, rich=True, width=90, color=False)
    assert max(len(line) for line in out.splitlines()) <= 90


def test_clean() -> None:
    assert clean("a\r\nb\tc\x07") == "a b c\\x07"
    assert clean("x\u202ey") == "x\\x202ey"


def test_apply_text() -> None:
    result = apply_result(every_rule_plan())
    out = render_apply_text(result, rich=False)
    assert "\x1b" not in out
    lines = out.splitlines()
    assert lines[0].startswith("Apply to sandbox at 0123abc")
    summary = lines.index("Summary")
    assert lines[summary + 1].split() == [
        "SUCCEEDED",
        "FAILED",
        "IN",
        "PROGRESS",
        "NOT",
        "ATTEMPTED",
    ]
    assert lines[summary + 2].split() == ["10", "1", "1", "2"]
    assert "HTTP 500 | retry later" in out
    assert "corr-1" in out
    assert "SO5001" in out
    assert "SO7777" in out
    titles = [
        "Summary",
        "Failed steps (1)",
        "Errors (8)",
        "Still processing (2)",
        "Not attempted (2)",
    ]
    positions = [out.index(t) for t in titles]
    assert positions == sorted(positions)
    rich_out = render_apply_text(result, rich=True, color=False)
    assert "Failed steps (1)" in rich_out
    assert "\x1b" not in rich_out


def test_apply_text_nothing_failed_shows_no_failure_sections() -> None:
    plan = plan_of(declared("1", autoRenew=False))
    from controller.plan.outcome import ApplyResult, Outcome
    from tests.report.plans import outcome_for

    result = ApplyResult(
        startedAt=plan.createdAt,
        finishedAt=plan.createdAt + dt.timedelta(seconds=1),
        plan=plan,
        outcomes=(outcome_for(plan.steps[0], Outcome.SUCCEEDED),),
    )
    out = render_apply_text(result, rich=False)
    for title in ("Failed steps", "Errors", "Still processing", "Not attempted"):
        assert title not in out
    assert "Succeeded (1)" in out
