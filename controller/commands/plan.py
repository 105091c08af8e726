"""``subctl plan``: load, observe, plan, show; exit code from ``Plan.exit_code``."""

from __future__ import annotations

from pathlib import Path

from controller import reconcile
from controller.commands.files import write_json, write_text
from controller.commands.options import Connection, Output
from controller.commands.terminal import echo, echo_err, show_plan
from controller.gctune import batch_gc
from controller.reconcile import Planning, Scope
from controller.report.summary import plan_summary


@batch_gc()
def plan(
    planning: Planning,
    scope: Scope,
    connection: Connection,
    output: Output,
    *,
    out: Path | None = None,
    detailed_exitcode: bool = False,
) -> int:
    desired = reconcile.load(planning, scope)
    settings = connection.settings()
    options = reconcile.plan_options(planning, settings, desired)
    made = reconcile.plan(settings, desired, options, scope, announce=echo_err)
    echo(show_plan(made, output))
    if out is not None:
        write_text(out, made.to_json())
    if output.summary is not None:
        write_json(output.summary, plan_summary(made))
    return made.exit_code(detailed_exitcode)
