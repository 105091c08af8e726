"""The dispatcher picks the rendering the CLI asked for; unknown formats are refused."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from controller.plan.model import Plan
from controller.report import render_apply, render_plan
from controller.report.markdown import APPLY_MARKER, PLAN_MARKER
from tests.report.plans import apply_result, every_rule_plan


@pytest.fixture(scope="module")
def full() -> Plan:
    return every_rule_plan()


def test_plan_formats(full: Plan) -> None:
    assert json.loads(render_plan(full, "json", rich=False))["formatVersion"] == 1
    assert render_plan(full, "markdown", rich=False).startswith(PLAN_MARKER)
    assert render_plan(full, "text", rich=False).startswith("Plan for sandbox")
    assert "\x1b[" in render_plan(full, "text", rich=True)
    assert "\x1b" not in render_plan(full, "text", rich=True, color=False)


def test_apply_formats(full: Plan) -> None:
    result = apply_result(full)
    assert json.loads(render_apply(result, "json", rich=False))["outcomes"]
    assert render_apply(result, "markdown", rich=False).startswith(APPLY_MARKER)
    assert render_apply(result, "text", rich=False).startswith("Apply to sandbox")


def test_unknown_format(full: Plan) -> None:
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render_plan(full, cast(Any, "yaml"), rich=False)
    with pytest.raises(ValueError, match="unknown format 'html'"):
        render_apply(apply_result(full), cast(Any, "html"), rich=False)
