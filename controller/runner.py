"""The bodies of ``subctl plan`` and ``subctl apply``: load, observe, plan, apply, render.

Called by the click commands in cli.py (which stay thin); returns the exit code of
DESIGN.md section 7. Everything user-facing is validated before the first call to the
marketplace, and no file is written before the specs and options are known good.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar

import anyio
import click
from rich.console import Console

from controller.apply.interrupt import Interrupt
from controller.apply.lock import DEFAULT_WAIT_SECONDS, apply_lock, lock_path
from controller.errors import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    ConfigError,
    GuardError,
    Interrupted,
    PlanError,
)
from controller.gctune import batch_gc, freeze_loaded
from controller.marketplace.models import Order
from controller.marketplace.settings import ApiSettings
from controller.observe import observe_and_plan
from controller.plan.guards import GuardLimits, with_refusals
from controller.plan.inputs import PlanOptions
from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult, Outcome
from controller.plan.targeting import check_targets, restrict
from controller.progress import StepProgress
from controller.redact import redact
from controller.report.question import confirm_question
from controller.report.render import render_apply, render_plan
from controller.report.summary import apply_summary, plan_summary
from controller.revision import spec_revision
from controller.safetext import scrub
from controller.spec.digest import spec_digest
from controller.spec.loader import load_specs
from controller.spec.models import DesiredState
from controller.target import describe, lock_target, open_client

Format = Literal["text", "json", "markdown"]
T = TypeVar("T")
DEFAULT_JOURNAL = Path(".subctl") / "journal.jsonl"


@dataclass(frozen=True)
class Common:
    """Options shared by plan and apply."""

    paths: tuple[str, ...]
    api_url: str | None
    marketplace: str | None
    fmt: Format
    color: bool
    quiet: bool
    stuck_after: float
    warn_days: int
    summary: Path | None
    only: tuple[str, ...] = ()  # --only: a partial plan (controller/plan/targeting.py)
    customers: tuple[str, ...] = ()  # --customer


def _echo_err(message: str) -> None:
    click.echo(redact(message), err=True)


def _echo(text: str) -> None:
    # Every output goes through the redactor (controller/redact.py): live text may echo a
    # secret (a server quoting the key in a name), and the output must not show it.
    click.echo(redact(text), nl=False)


def _plan_options(common: Common, settings: ApiSettings, desired: DesiredState) -> PlanOptions:
    return PlanOptions(
        now=dt.datetime.now(dt.UTC),
        target=describe(settings),
        revision=spec_revision(common.paths),
        stuck_after=dt.timedelta(seconds=common.stuck_after),
        warn_days=common.warn_days,
        spec_paths=common.paths,
        spec_digest=spec_digest(desired.files, common.paths),
    )


def _rich(common: Common) -> bool:
    return common.color and sys.stdout.isatty()


def _width(common: Common) -> int | None:
    """The terminal's real width (COLUMNS honoured) for rich output; None for a pipe,
    whose plain text is never wrapped."""
    if not _rich(common):
        return None
    return Console(file=sys.stdout).width


def _show_plan(plan: Plan, common: Common) -> str:
    return render_plan(
        plan, common.fmt, rich=_rich(common), color=common.color, width=_width(common)
    )


def _write_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(redact(text), encoding="utf-8")
        tmp.replace(path)
    except OSError as err:  # a path the user gave (--out, --summary): theirs to fix, not a bug
        raise ConfigError(f"{path}: cannot write: {err.strerror or err}") from None


def _write_json(path: Path, data: object) -> None:
    _write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def _run_async(body: Callable[[], Awaitable[T]]) -> T:
    """``anyio.run(body)``, with the result handed out through a list rather than as the
    event loop's task result: asyncio's repr of a finished task shows its result, anyio
    formats such reprs while closing connections, and a 10,000-subscription plan (or an
    apply result holding it) takes ~0.1 s to repr each time."""
    out: list[T] = []

    async def keep() -> None:
        out.append(await body())

    anyio.run(keep)
    return out[0]


@batch_gc()
def run_plan(
    common: Common, out: Path | None, detailed_exitcode: bool, limits: GuardLimits | None = None
) -> int:
    desired = load_specs(common.paths)
    freeze_loaded()
    check_targets(desired, common.only)
    settings = ApiSettings.from_env(common.api_url, marketplace_option=common.marketplace)
    options = _plan_options(common, settings, desired)

    interrupt = Interrupt()

    async def go() -> Plan | None:
        # The first Ctrl-C stops the plan at once (asyncio alone may swallow it).
        with interrupt.installed(), interrupt.cancels():
            async with open_client(settings, announce=_echo_err) as client:
                return await observe_and_plan(client, desired, options)
        return None

    plan = _run_async(go)
    if plan is None or interrupt.requested:
        raise Interrupted("interrupted; no plan was made")
    # The guards apply would enforce, shown now: a PR is not merged green to be refused.
    plan = with_refusals(restrict(plan, common.only, common.customers), limits or GuardLimits())
    _echo(_show_plan(plan, common))
    if out is not None:
        _write_text(out, plan.to_json())
    if common.summary is not None:
        _write_json(common.summary, plan_summary(plan))
    # Errors first (1), then a refusal (3) over changes (2): docs/plan-format.md.
    if plan.errors:
        return EXIT_ERROR
    if detailed_exitcode and plan.refusals:
        return EXIT_REFUSED
    if detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


def _check_targeting(common: Common, desired: DesiredState, plan_file: Path | None) -> None:
    check_targets(desired, common.only)
    if plan_file is not None and (common.only or common.customers):
        raise ConfigError(
            "--only/--customer cannot be combined with --plan: a saved plan keeps the "
            "targeting it was made with"
        )


def _interrupted_exit(result: ApplyResult) -> int:
    skipped = result.count(Outcome.NOT_ATTEMPTED)
    _echo_err(
        f"interrupted: stopped after the writes in flight; {skipped} step(s) not "
        "attempted; run apply again to finish"
    )
    return EXIT_INTERRUPTED


def read_plan_file(path: Path) -> Plan:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PlanError(f"{path}: cannot read plan file: {err}") from None
    try:
        return Plan.from_json(text)
    except ValueError as err:
        first = str(err).splitlines()[0] if str(err) else "invalid"
        raise PlanError(f"{path}: not a subctl plan (formatVersion 1): {first}") from None


def _confirm_on_terminal(common: Common) -> Callable[[Plan], bool]:
    def confirm(plan: Plan) -> bool:
        if not sys.stdin.isatty():
            raise GuardError(
                "refusing to apply without --yes: no terminal to confirm on; nothing was written",
                "no-confirmation",
            )
        if common.fmt != "text":  # the plan was not shown yet
            _echo_err(render_plan(plan, "text", rich=False))
        # The prompt blocks the event loop, so the loop's Ctrl-C handling cannot run:
        # Python's default handler makes Ctrl-C at the prompt abort at once (exit 130).
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.default_int_handler) if main else None
        try:
            return click.confirm(confirm_question(plan), default=False, err=True, prompt_suffix=" ")
        except click.exceptions.Abort:  # Ctrl-C or end of input at the question
            raise Interrupted("interrupted at the confirmation; nothing was written") from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)

    return confirm


@dataclass
class _ApplyView:
    """What an apply shows while it runs: the plan, the question, then the bar (only once
    the question is answered) with completion lines printed above it."""

    common: Common
    yes: bool
    progress: StepProgress
    shown: list[Plan] = field(default_factory=list)

    def on_plan(self, plan: Plan) -> None:
        self.shown.append(plan)
        if self.common.fmt == "text":
            _echo(_show_plan(plan, self.common))

    def confirm(self, plan: Plan) -> bool:
        answer = self.yes or _confirm_on_terminal(self.common)(plan)
        if answer:
            self.progress.start(len(plan.steps))
        return answer

    def on_order_done(self, order: Order) -> None:
        if not self.common.quiet:
            # Live text: an order number may carry terminal escapes (controller/safetext.py).
            self.progress.say(
                redact(
                    scrub(
                        f"order {order.display_name} ({order.type.value}, "
                        f"subscription {order.subscriptionId}) is now {order.status_text}"
                    )
                )
            )


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
    urls: Sequence[str],
    common: Common,
    view: _ApplyView,
    journal_path: Path | None,
    result: ApplyResult | None,
    refused: str | None,
    failure: Exception | None,
) -> None:
    if urls:  # controller/notify: failures are warnings, never the exit code
        from controller.notify.run import notify_apply  # noqa: PLC0415 - lazy

        notify_apply(
            urls,
            result=result,
            plan=view.shown[0] if view.shown else None,
            refused=refused,
            warn_days=common.warn_days,
            journal_path=journal_path,
            echo_err=_echo_err,
            failure=failure,
        )


@batch_gc()
def run_apply(
    common: Common,
    *,
    yes: bool,
    plan_file: Path | None,
    limits: GuardLimits,
    wait_seconds: float | None,
    concurrency: int,
    journal_path: Path | None,
    lock_wait: float = DEFAULT_WAIT_SECONDS,
    notify_urls: Sequence[str] = (),
) -> int:
    # Lazy: the executor and its journal are not needed by plan (~0.15 s of imports).
    from controller.apply.journal import Journal  # noqa: PLC0415
    from controller.apply.run import ApplyOptions, apply  # noqa: PLC0415

    saved = read_plan_file(plan_file) if plan_file is not None else None
    if saved is not None and not common.paths:
        common = replace(common, paths=saved.specPaths)  # the specs it was made from
    desired = load_specs(common.paths)
    freeze_loaded()
    _check_targeting(common, desired, plan_file)
    settings = ApiSettings.from_env(common.api_url, marketplace_option=common.marketplace)
    plan_options = _plan_options(common, settings, desired)
    journal = Journal(journal_path or DEFAULT_JOURNAL, revision=plan_options.revision)
    journal.check_paths()  # a FIFO there would hang the first write: refused before any call
    options = ApplyOptions(
        limits=limits,
        concurrency=concurrency,
        wait_seconds=wait_seconds,
        only=common.only,
        customers=common.customers,
    )
    view = _ApplyView(common, yes, StepProgress(enabled=common.fmt == "text" and not common.quiet))
    interrupt = Interrupt(say=view.progress.say)

    def notify(
        result: ApplyResult | None, refused: str | None, failure: Exception | None = None
    ) -> None:
        _notify(notify_urls, common, view, journal.path, result, refused, failure)

    async def go() -> ApplyResult:
        with interrupt.installed():
            return await _apply_with(settings)

    async def _apply_with(settings: ApiSettings) -> ApplyResult:
        async with open_client(settings, announce=_echo_err) as client:
            return await apply(
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
        with apply_lock(lock, wait_seconds=lock_wait, on_wait=None if common.quiet else _echo_err):
            result = _run_async(go)
    except Interrupted:
        view.progress.stop()
        raise
    except GuardError as err:
        view.progress.stop()
        if common.summary is not None:
            _write_json(common.summary, _refusal_summary(view.shown, err))
        notify(None, str(err))
        raise
    except Exception as err:  # the marketplace unreachable, the journal unwritable...
        view.progress.stop()
        notify(None, None, failure=err)
        raise
    view.progress.stop()
    _echo(
        render_apply(
            result, common.fmt, rich=_rich(common), color=common.color, width=_width(common)
        )
    )
    if common.summary is not None:
        _write_json(common.summary, apply_summary(result))
    notify(result, None)
    # Journal lines that could not be written (disk full) are reported apart: the writes
    # themselves are reported above with their real outcome.
    for failure in journal.failures:
        _echo_err(f"error: journal: {failure}")
    if result.interrupted:
        return _interrupted_exit(result)
    failed = result.count(Outcome.FAILED)
    ok = not result.errors and not failed and not result.stillProcessing and not journal.failures
    return EXIT_OK if ok else EXIT_ERROR
