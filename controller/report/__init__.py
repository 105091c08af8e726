"""Renderings of plans and apply results: text, JSON, markdown, and the summary file.

The last stage of the pipeline (DESIGN.md section 2). Pure: functions from a Plan or
an ApplyResult to strings or dicts; no I/O, and no HTTP client, executor or sandbox
import (an import-linter contract in pyproject.toml enforces it).
"""

from controller.report.render import FORMATS, Format, render_apply, render_plan
from controller.report.summary import apply_summary, plan_summary, render_summary

__all__ = [
    "FORMATS",
    "Format",
    "apply_summary",
    "plan_summary",
    "render_apply",
    "render_plan",
    "render_summary",
]
