"""One entry point per command: pick the rendering of a plan or apply result by format.

Called by ``controller/commands/`` (plan, apply) after planning or applying, which
decide ``rich`` (stdout is a terminal), ``color`` (``--no-color``) and ``width``, so
that every function here stays pure and testable.
"""

from __future__ import annotations

from collections.abc import Callable
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
    return _by_format(
        fmt,
        json=lambda: render_plan_json(plan),
        markdown=lambda: render_plan_markdown(plan),
        text=lambda: render_plan_text(plan, rich=rich, width=width, color=color),
    )


def render_apply(
    result: ApplyResult,
    fmt: Format,
    *,
    rich: bool,
    color: bool = True,
    width: int | None = None,
) -> str:
    return _by_format(
        fmt,
        json=lambda: render_apply_json(result),
        markdown=lambda: render_apply_markdown(result),
        text=lambda: render_apply_text(result, rich=rich, width=width, color=color),
    )


def _by_format(fmt: str, **renderers: Callable[[], str]) -> str:
    """The one format dispatch of plans and apply results (keyword names are FORMATS)."""
    render = renderers.get(fmt)
    if render is None:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return render()
