"""The bodies of ``subctl plan`` and ``subctl apply``: load, observe, plan, apply, render.

Called by the click commands in cli.py (which stay thin); returns the exit code of
DESIGN.md section 7. Everything user-facing is validated before the first call to the
marketplace, and no file is written before the specs and options are known good.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import anyio
import click

from controller.apply.lock import DEFAULT_LOCK, DEFAULT_WAIT_SECONDS, apply_lock
from controller.errors import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    GuardError,
    PlanError,
)
from controller.gctune import batch_gc, freeze_loaded
from controller.marketplace.models import Order
from controller.marketplace.settings import ApiSettings
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult, Outcome, StepOutcome
from controller.progress import StepProgress
from controller.report.render import render_apply, render_plan
from controller.report.summary import apply_summary, plan_summary
from controller.revision import spec_revision
from controller.spec.loader import load_specs
from controller.target import describe, open_client

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


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def _plan_options(common: Common, settings: ApiSettings) -> PlanOptions:
    return PlanOptions(
        now=dt.datetime.now(dt.UTC),
        target=describe(settings),
        revision=spec_revision(common.paths),
        stuck_after=dt.timedelta(seconds=common.stuck_after),
        warn_days=common.warn_days,
    )


def _rich(common: Common) -> bool:
    return common.color and sys.stdout.isatty()


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


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
def run_plan(common: Common, out: Path | None, detailed_exitcode: bool) -> int:
    desired = load_specs(common.paths)
    freeze_loaded()
    settings = ApiSettings.from_env(common.api_url, marketplace_option=common.marketplace)

    async def go() -> Plan:
        async with open_client(settings, announce=_echo_err) as client:
            return await observe_and_plan(client, desired, _plan_options(common, settings))

    plan = _run_async(go)
    click.echo(render_plan(plan, common.fmt, rich=_rich(common), color=common.color), nl=False)
    if out is not None:
        _write_text(out, plan.to_json())
    if common.summary is not None:
        _write_json(common.summary, plan_summary(plan))
    if plan.errors:
        return EXIT_ERROR
    if detailed_exitcode and plan.has_changes:
        return EXIT_CHANGES
    return EXIT_OK


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
                "refusing to apply without --yes: no terminal to confirm on; nothing was written"
            )
        if common.fmt != "text":  # the plan was not shown yet
            _echo_err(render_plan(plan, "text", rich=False))
        return click.confirm(
            f"Apply {plan.totals.changes} change(s) to {plan.target}?", default=False, err=True
        )

    return confirm


@batch_gc()
def run_apply(
    common: Common,
    *,
    yes: bool,
    plan_file: Path | None,
    max_cancellations: int,
    wait_seconds: float | None,
    concurrency: int,
    journal_path: Path | None,
    lock_wait: float = DEFAULT_WAIT_SECONDS,
) -> int:
    # Lazy: the executor and its journal are not needed by plan (~0.15 s of imports).
    from controller.apply.journal import Journal  # noqa: PLC0415
    from controller.apply.run import ApplyOptions, apply  # noqa: PLC0415

    desired = load_specs(common.paths)
    freeze_loaded()
    saved = read_plan_file(plan_file) if plan_file is not None else None
    settings = ApiSettings.from_env(common.api_url, marketplace_option=common.marketplace)
    plan_options = _plan_options(common, settings)
    journal = Journal(journal_path or DEFAULT_JOURNAL, revision=plan_options.revision)
    options = ApplyOptions(
        max_cancellations=max_cancellations,
        concurrency=concurrency,
        wait_seconds=wait_seconds,
    )
    progress = StepProgress(enabled=common.fmt == "text" and not common.quiet)
    shown: list[Plan] = []

    def on_plan(plan: Plan) -> None:
        shown.append(plan)
        if common.fmt == "text":
            click.echo(render_plan(plan, "text", rich=_rich(common), color=common.color), nl=False)
        progress.start(len(plan.steps))

    def on_step(outcome: StepOutcome) -> None:
        progress.advance(outcome)

    def on_order_done(order: Order) -> None:
        if not common.quiet:
            _echo_err(
                f"order {order.orderNumber or order.id} ({order.type.value}, subscription "
                f"{order.subscriptionId}) is now {order.status_text}"
            )

    async def go() -> ApplyResult:
        async with open_client(settings, announce=_echo_err) as client:
            return await apply(
                client,
                desired,
                plan_options,
                options,
                journal,
                saved_plan=saved,
                confirm=(lambda _p: True) if yes else _confirm_on_terminal(common),
                on_plan=on_plan,
                on_step=on_step,
                on_order_done=on_order_done,
            )

    try:
        # One apply at a time in this folder (controller/apply/lock.py); the specs and
        # options are already known good, so a waiting run never holds a bad config.
        with apply_lock(
            DEFAULT_LOCK, wait_seconds=lock_wait, on_wait=None if common.quiet else _echo_err
        ):
            result = _run_async(go)
    except GuardError as err:
        progress.stop()
        if common.summary is not None:
            refused = (
                plan_summary(shown[0], refused=str(err))
                if shown
                else {"formatVersion": 1, "has_changes": None, "guard_refusals": [str(err)]}
            )
            _write_json(common.summary, refused)
        raise
    progress.stop()
    click.echo(render_apply(result, common.fmt, rich=_rich(common), color=common.color), nl=False)
    if common.summary is not None:
        _write_json(common.summary, apply_summary(result))
    failed = result.count(Outcome.FAILED)
    return (
        EXIT_OK if not result.errors and not failed and not result.stillProcessing else EXIT_ERROR
    )
