"""Terminal width (issue 14): text output uses the terminal's width and never splits a
token (an action, a ``file:line`` source, an order number, an id) across lines.

Real rich Consoles writing to a StringIO at 80, 100, 160 and 200 columns, plus the
CLI's own choice of width (COLUMNS honoured) and the plain text of a pipe.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from rich.console import Console

from controller.commands.options import Output
from controller.plan.model import Plan, acted_on
from controller.report.text import render_apply_text, render_plan_text
from tests.report.plans import apply_result, every_rule_plan

WIDTHS = (80, 100, 160, 200)
LONG_SOURCE = "specs/customers/a-rather-long-customer-name/subscriptions.yaml:1234"


def _long_sources(plan: Plan) -> Plan:
    """Sources as long as a real repository's, on every declaration and issue."""
    subs = tuple(replace(s, source=LONG_SOURCE) for s in plan.subscriptions)
    errors = tuple(e.model_copy(update={"source": LONG_SOURCE}) for e in plan.errors)
    drift = tuple(d.model_copy(update={"source": LONG_SOURCE}) for d in plan.drift)
    return plan.model_copy(update={"subscriptions": subs, "errors": errors, "drift": drift})


def _tokens(plan: Plan) -> set[str]:
    tokens = {LONG_SOURCE}
    tokens.update(e.subscriptionId for e in plan.errors)
    tokens.update(p.subscriptionId for p in plan.inProgress)
    for sub in plan.subscriptions:
        for step in sub.steps:
            tokens.add(sub.id)
            tokens.add(step.action.value)
            number = acted_on(step)[1]
            if number:
                tokens.add(number)
    tokens.update(p.orderNumber for p in plan.inProgress if p.orderNumber)
    tokens.update(s.orderNumber for s in plan.stuck if s.orderNumber)
    tokens.update(e.code.value for e in plan.errors)
    return tokens


def _rendered(text: str) -> str:
    # Table borders are not part of the text: a token inside a cell must be contiguous.
    return re.sub(r"[│┃]", " ", text)


@pytest.mark.parametrize("width", WIDTHS)
def test_plan_tokens_are_never_split(width: int) -> None:
    plan = _long_sources(every_rule_plan())
    out = render_plan_text(plan, rich=True, width=width, color=False)
    flat = _rendered(out)
    lines = flat.splitlines()
    for token in sorted(_tokens(plan)):
        assert any(token in line for line in lines), f"{token!r} split at {width} columns"
    assert max(len(line.rstrip()) for line in out.splitlines()) <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_apply_tokens_are_never_split(width: int) -> None:
    result = apply_result(_long_sources(every_rule_plan()))
    out = render_apply_text(result, rich=True, width=width, color=False)
    lines = _rendered(out).splitlines()
    tokens = {o.action.value for o in result.outcomes}
    tokens |= {o.orderNumber for o in result.outcomes if o.orderNumber}
    tokens |= {o.correlationId for o in result.outcomes if o.correlationId}
    for token in sorted(tokens):
        assert any(token in line for line in lines), f"{token!r} split at {width} columns"
    assert max(len(line.rstrip()) for line in out.splitlines()) <= width


def test_wide_terminal_uses_its_width() -> None:
    """At 160 columns a plan is not squeezed into the old fixed 100."""
    plan = every_rule_plan()
    out = render_plan_text(plan, rich=True, width=160, color=False)
    assert max(len(line) for line in out.splitlines()) > 100
    assert "set-auto-ren" + "\n" not in out


def test_the_cli_width_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The width the CLI passes is rich's reading of the terminal: COLUMNS honoured."""
    output = Output(fmt="text", color=True, quiet=False, summary=None)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    for columns in ("160", "83"):
        monkeypatch.setenv("COLUMNS", columns)
        assert output.width() == int(columns)
    assert Console(file=io.StringIO(), width=160).width == 160


@pytest.mark.parametrize("columns", ["40", "200"])
def test_piped_output_is_plain_and_width_independent(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    plan = _long_sources(every_rule_plan())
    out = render_plan_text(plan, rich=False)
    assert out == render_plan_text(plan, rich=False, width=int(columns))
    assert "\x1b[" not in out
    assert "│" not in out
