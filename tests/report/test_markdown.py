"""Markdown for one PR comment: counts first, folded sections, a hard size limit, escaping."""

from __future__ import annotations

import re

import pytest

from controller.plan.model import Plan
from controller.plan.outcome import Outcome
from controller.plan.planner import make_plan
from controller.report.markdown import (
    PLAN_MARKER,
    escape,
    render_apply_markdown,
    render_plan_markdown,
)
from tests.plan.builders import declared, live, live_sub, options, state
from tests.report.plans import HOSTILE, apply_result, cancellations, every_rule_plan, scaled

LIMIT = 60_000
HINT = "run `subctl plan` locally or see the JSON artifact"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _section(md: str, title: str) -> list[str]:
    """The lines of one <details> block, from its <details> line to </details>."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if f"<b>{title} (" in line)
    end = lines.index("</details>", start)
    return lines[start : end + 1]


def _rows(block: list[str]) -> list[str]:
    return [line for line in block if line.startswith("| ")][1:]  # minus the column header


@pytest.fixture(scope="module")
def full() -> Plan:
    return every_rule_plan()


@pytest.fixture(scope="module")
def big(full: Plan) -> Plan:
    return scaled(full, 300)


def test_marker_counts_then_folded_sections(full: Plan) -> None:
    md = render_plan_markdown(full)
    lines = md.splitlines()
    assert lines[0] == PLAN_MARKER
    assert lines[1].startswith("### subctl plan: 14 to change (4 approve, 4 cancel, 3 renew, ")
    for part in ("4 in progress", "8 errors", "1 drift", "1 stuck", "4 unmanaged", "211.50 GBP"):
        assert part in lines[1]
    assert "<details open><summary><b>Errors (8)</b></summary>" in lines
    assert "<details><summary><b>Changes (14)</b></summary>" in lines
    for title in ("In progress", "Drift (observe mode)", "Stuck orders", "Warnings"):
        assert _rows(_section(md, title))
    assert md.count(PLAN_MARKER) == 1
    assert "not shown" not in md
    assert md.count("<details") == md.count("</details>") == 6


def test_in_sync_plan() -> None:
    plan = make_plan(state(declared("1")), live(live_sub("1")), options())
    md = render_plan_markdown(plan)
    assert "**No changes. Live state matches the specs.**" in md
    assert "<details" not in md


@pytest.mark.parametrize(
    "changes", [5_000, pytest.param(50_000, marks=pytest.mark.slow)], ids=["5k", "50k"]
)
def test_large_plans_fit_and_say_what_was_left_out(changes: int) -> None:
    plan = cancellations(changes // 2)
    assert plan.totals.changes == changes
    md = render_plan_markdown(plan)
    assert len(md) < LIMIT
    assert md.splitlines()[1].startswith(f"### subctl plan: {changes:,} to change (")
    block = _section(md, "Changes")
    shown = len(_rows(block))
    assert shown > 100
    assert f"… and {changes - shown:,} more changes not shown; {HINT}" in block


def test_errors_are_kept_longest(full: Plan) -> None:
    base = full
    errors = tuple(
        e.model_copy(update={"subscriptionId": f"{e.subscriptionId}-{i}"})
        for i in range(40)
        for e in base.errors
    )
    plan = scaled(base, 100).model_copy(update={"errors": errors})
    md = render_plan_markdown(plan, limit=LIMIT)
    assert len(md) < LIMIT
    assert len(_rows(_section(md, "Errors"))) == 320  # all of them
    assert "more changes not shown" in md


def test_every_section_folds_when_errors_alone_overflow(full: Plan) -> None:
    base = full
    errors = tuple(
        e.model_copy(update={"subscriptionId": f"{i}"}) for i in range(1_000) for e in base.errors
    )
    plan = scaled(base, 10).model_copy(update={"errors": errors})
    md = render_plan_markdown(plan)
    assert len(md) < LIMIT
    assert not _rows(_section(md, "Changes"))
    assert f"… and {plan.totals.changes:,} more changes not shown; {HINT}" in md
    shown = len(_rows(_section(md, "Errors")))
    assert 0 < shown < 8_000
    assert f"… and {8_000 - shown:,} more errors not shown" in md


@pytest.mark.parametrize("limit", [500, 1_000, 3_000, 10_000, 65_536])
def test_any_limit_is_honoured(big: Plan, limit: int) -> None:
    md = render_plan_markdown(big, limit=limit)
    assert len(md) < limit
    assert md.startswith(PLAN_MARKER + "\n### subctl plan: ")


def test_limit_below_minimum_is_refused(full: Plan) -> None:
    with pytest.raises(ValueError, match="at least"):
        render_plan_markdown(full, limit=100)


def test_hostile_text_cannot_break_out(full: Plan) -> None:
    md = render_plan_markdown(full)
    row = next(r for r in _rows(_section(md, "Changes")) if r.startswith("| 127 |"))
    assert len(UNESCAPED_PIPE.findall(row)) == 8  # 7 columns, nothing added
    assert "<script>" not in md
    assert "&lt;script&gt;" in row
    assert "`" not in row
    assert not re.search(r"(?<!\\)\]\(", row)  # no live link syntax
    assert "@org" not in row  # no mention: a zero-width space follows "@"
    assert "\x1b" not in md
    followers = md.splitlines()[md.splitlines().index(row) + 1]
    assert followers.startswith("|  |")  # the newline in the reason did not end the row


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "&#96;x&#96;"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("line\nbreak", "line break"),
        ("*_[]~#!\\", "\\*\\_\\[\\]\\~\\#\\!\\\\"),
        ("<!-- subctl-plan -->", "&lt;\\!-- subctl-plan --&gt;"),
        ("x" * 2_000, "x" * 999 + "…"),
    ],
)
def test_escape(raw: str, expected: str) -> None:
    assert escape(raw) == expected


def test_hostile_name_in_every_column() -> None:
    plan = make_plan(
        state(declared("1", name=HOSTILE, autoRenew=False)), live(live_sub("1")), options()
    )
    md = render_plan_markdown(plan)
    (row,) = _rows(_section(md, "Changes"))
    assert len(UNESCAPED_PIPE.findall(row)) == 8


def test_apply_markdown() -> None:
    result = apply_result(every_rule_plan())
    md = render_apply_markdown(result)
    lines = md.splitlines()
    assert lines[0] == "<!-- subctl-apply -->"
    assert lines[1] == (
        "### subctl apply: 10 succeeded, 1 failed, 1 in progress, 2 not attempted, "
        "8 errors, 2 still processing"
    )
    assert "<details open><summary><b>Failed steps (1)</b></summary>" in lines
    assert "<details><summary><b>Succeeded (10)</b></summary>" in lines
    assert "HTTP 500 \\| retry later" in md


def test_apply_markdown_fits() -> None:
    result = apply_result(scaled(every_rule_plan(), 200))
    assert result.count(Outcome.SUCCEEDED) > 2_000
    md = render_apply_markdown(result)
    assert len(md) < LIMIT
    assert "more succeeded steps not shown; see the job log or the JSON artifact" in md
    assert len(_rows(_section(md, "Failed steps"))) == 1
