"""``subctl apply``: reconcile under the apply lock, show the result, notify; exit code
from ``ApplyResult.exit_code``.

The orchestration itself (fresh plan, guards, confirmation, executor, ``--wait``) is
controller/reconcile.py; this module adds what a person or CI job sees around it: the
plan and progress (terminal.py), the ``--summary`` file, the ``--notify`` hook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from controller import reconcile
from controller.apply.interrupt import Interrupt
from controller.apply.journal import Journal
from controller.apply.lock import DEFAULT_WAIT_SECONDS, apply_lock, lock_path
from controller.commands.files import read_plan_file, write_json
from controller.commands.options import DEFAULT_JOURNAL, Connection, Output
from controller.commands.terminal import ApplyView, echo, echo_err
from controller.errors import GuardError, Interrupted
from controller.gctune import batch_gc
from controller.marketplace.settings import ApiSettings
from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult, Outcome
from controller.progress import StepProgress
from controller.reconcile import ApplyOptions, Planning
from controller.report.render import render_apply
from controller.report.summary import apply_summary, plan_summary
from controller.target import lock_target, open_client


@dataclass(frozen=True)
class ApplyRun:
    """The options of ``subctl apply`` alone (the shared ones are their own values)."""

    yes: bool = False
    plan_file: Path | None = None
    journal: Path | None = None
    lock_wait: float = DEFAULT_WAIT_SECONDS
    notify_urls: Sequence[str] = ()


def _refusal_summary(shown: list[Plan], err: GuardError) -> dict[str, object]:
    """The --summary of a run refused by a guard, for the workflow's next step."""
    if shown:
        return plan_summary(shown[0], refused=str(err), kind=err.kind)
    return {
        "formatVersion": 1,
        "has_changes": None,
        "guard_refusals": [str(err)],
        "refusal": err.kind,
    }


def _notify(
    run: ApplyRun,
    planning: Planning,
    view: ApplyView,
    journal_path: Path | None,
    result: ApplyResult | None,
    refused: str | None,
    failure: Exception | None = None,
) -> None:
    if run.notify_urls:  # controller/notify: failures are warnings, never the exit code
        from controller.notify.run import notify_apply  # noqa: PLC0415 - lazy

        notify_apply(
            run.notify_urls,
            result=result,
            plan=view.shown[0] if view.shown else None,
            refused=refused,
            warn_days=planning.warn_days,
            journal_path=journal_path,
            echo_err=echo_err,
            failure=failure,
        )


@batch_gc()
def apply(
    planning: Planning,
    options: ApplyOptions,
    connection: Connection,
    output: Output,
    run: ApplyRun,
) -> int:
    saved = read_plan_file(run.plan_file) if run.plan_file is not None else None
    if saved is not None and not planning.paths:
        planning = replace(planning, paths=saved.specPaths)  # the specs it was made from
    desired = reconcile.load(planning, options.scope, saved=run.plan_file is not None)
    settings = connection.settings()
    plan_options = reconcile.plan_options(planning, settings, desired)
    journal = Journal(run.journal or DEFAULT_JOURNAL, revision=plan_options.revision)
    journal.check_paths()  # a FIFO there would hang the first write: refused before any call
    view = ApplyView(
        output, run.yes, StepProgress(enabled=output.fmt == "text" and not output.quiet)
    )
    interrupt = Interrupt(say=view.progress.say)

    async def go() -> ApplyResult:
        with interrupt.installed():
            return await _apply_with(settings)

    async def _apply_with(settings: ApiSettings) -> ApplyResult:
        async with open_client(settings, announce=echo_err) as client:
            return await reconcile.apply(
                client,
                desired,
                plan_options,
                options,
                journal,
                saved_plan=saved,
                confirm=view.confirm,
                on_plan=view.on_plan,
                on_step=view.progress.advance,
                on_order_done=view.on_order_done,
                interrupt=interrupt,
            )

    try:
        # One apply at a time per target and account on this machine, from any folder
        # (controller/apply/lock.py); the specs and options are already known good, so
        # a waiting run never holds a bad config.
        lock = lock_path(lock_target(settings), settings.username, settings.marketplace)
        with apply_lock(
            lock, wait_seconds=run.lock_wait, on_wait=None if output.quiet else echo_err
        ):
            result = reconcile.run_async(go)
    except Interrupted:
        view.progress.stop()
        raise
    except GuardError as err:
        view.progress.stop()
        if output.summary is not None:
            write_json(output.summary, _refusal_summary(view.shown, err))
        _notify(run, planning, view, journal.path, None, str(err))
        raise
    except Exception as err:  # the marketplace unreachable, the journal unwritable...
        view.progress.stop()
        _notify(run, planning, view, journal.path, None, None, failure=err)
        raise
    view.progress.stop()
    echo(
        render_apply(result, output.fmt, rich=output.rich, color=output.color, width=output.width())
    )
    if output.summary is not None:
        write_json(output.summary, apply_summary(result))
    _notify(run, planning, view, journal.path, result, None)
    # Journal lines that could not be written (disk full) are reported apart: the writes
    # themselves are reported above with their real outcome.
    for failure in journal.failures:
        echo_err(f"error: journal: {failure}")
    if result.interrupted:
        skipped = result.count(Outcome.NOT_ATTEMPTED)
        echo_err(
            f"interrupted: stopped after the writes in flight; {skipped} step(s) not "
            "attempted; run apply again to finish"
        )
    return result.exit_code(journal_complete=not journal.failures)
