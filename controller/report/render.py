"""One entry point per command: pick the rendering of a plan or apply result by format.

Called by ``controller/commands/`` (plan, apply) after planning or applying, which
decide ``rich`` (stdout is a terminal), ``color`` (``--no-color``) and ``width``, so
that every function here stays pure and testable.
"""

from __future__ import annotations

from typing import Literal

from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult
from controller.report.jsonfmt import render_apply_json, render_plan_json
from controller.report.markdown import render_apply_markdown, render_plan_markdown
from controller.report.text import render_apply_text, render_plan_text

Format = Literal["text", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("text", "json", "markdown")


def render_plan(
    plan: Plan, fmt: Format, *, rich: bool, color: bool = True, width: int | None = None
) -> str:
    if fmt == "json":
        return render_plan_json(plan)
    if fmt == "markdown":
        return render_plan_markdown(plan)
    if fmt == "text":
        return render_plan_text(plan, rich=rich, width=width, color=color)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def render_apply(
    result: ApplyResult,
    fmt: Format,
    *,
    rich: bool,
    color: bool = True,
    width: int | None = None,
) -> str:
    if fmt == "json":
        return render_apply_json(result)
    if fmt == "markdown":
        return render_apply_markdown(result)
    if fmt == "text":
        return render_apply_text(result, rich=rich, width=width, color=color)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
