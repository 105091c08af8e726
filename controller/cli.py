"""Command line: click commands, thin. Parses options, calls the pipeline.

Each command body returns an int exit code and runs through ``run_body``
(controller/clirun.py), the one place errors become exit codes. ``subctl sandbox``
lives in controller/sandbox/command.py and is registered here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from controller import __version__
from controller.cliglobal import add_global_options
from controller.clirun import run_body, setup_logging
from controller.durations import parse_duration
from controller.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from controller.notify.command import notify_command
from controller.sandbox.command import sandbox_group
from controller.spec.loader import check_specs
from controller.spec.schema import schema_json
from controller.spec.summary import render_json, render_text
from controller.startup import tune_process
from controller.status.command import status_command

if TYPE_CHECKING:
    from controller.plan.guards import GuardLimits
    from controller.runner import Common


@dataclass(frozen=True)
class GlobalOptions:
    verbosity: int
    quiet: bool
    color: bool
    api_url: str | None = None
    marketplace: str | None = None


class _Group(click.Group):
    """Usage mistakes exit 1 like every other user mistake: click's own 2 would read as
    "changes" to a script that runs ``plan --detailed-exitcode``."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as err:
            err.show()
            sys.exit(EXIT_ERROR)
        except click.exceptions.Abort:
            click.echo("aborted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # -v, -q, --no-color, ... also after the command (controller/cliglobal.py).
        add_global_options(cmd)
        super().add_command(cmd, name)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="subctl")
@click.option("-v", "--verbose", "verbosity", count=True, help="More log detail on stderr (-vv).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--no-color", is_flag=True, help="Plain output, no colours.")
@click.option("--api-url", envvar="SUBCTL_API_URL", help="Marketplace API URL, or 'sandbox'.")
@click.option("--marketplace", envvar="SUBCTL_MARKETPLACE", help="Marketplace code (default uk).")
@click.pass_context
def main(
    ctx: click.Context,
    verbosity: int,
    quiet: bool,
    no_color: bool,
    api_url: str | None,
    marketplace: str | None,
) -> None:
    """Keep Comms Care subscriptions in the state that git declares."""
    tune_process()
    setup_logging(verbosity, quiet)
    ctx.obj = GlobalOptions(
        verbosity=verbosity,
        quiet=quiet,
        color=not no_color,
        api_url=api_url,
        marketplace=marketplace,
    )


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: problems on stderr, a summary; json: one object on stdout.",
)
def validate(paths: tuple[str, ...], fmt: str) -> None:
    """Check spec files (YAML) and directories of them; exit 0 valid, 1 invalid."""

    def body() -> int:
        report = check_specs(paths)
        if fmt == "json":
            click.echo(render_json(report))
        else:
            out = render_text(report)
            for line in out.stdout:
                click.echo(line)
            for line in out.stderr:
                click.echo(line, err=True)
        return EXIT_OK if report.valid else EXIT_ERROR

    run_body(body)


@main.command()
def schema() -> None:
    """Print the JSON Schema of a spec document (SubscriptionSet)."""
    run_body(lambda: _echo_raw(schema_json()))


def _echo_raw(text: str) -> int:
    click.echo(text, nl=False)
    return EXIT_OK


def _connection_options(fn: Callable[..., None]) -> Callable[..., None]:
    """Options shared by plan and apply (the connection ones may also come first)."""
    decorators = [
        # Not required by click: apply --plan reads them from the plan; plan and apply
        # without any say "no spec paths given" (exit 1) from the spec loader.
        click.argument("paths", nargs=-1, required=False),
        click.option("--api-url", help="Marketplace API URL, or 'sandbox' (SUBCTL_API_URL)."),
        click.option("--marketplace", help="Marketplace code (SUBCTL_MARKETPLACE, default uk)."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "json", "markdown"]),
            default="text",
            show_default=True,
            help="text: tables for people; json: versioned (formatVersion 1); "
            "markdown: a pull-request comment.",
        ),
        click.option(
            "--stuck-after",
            default="72h",
            show_default=True,
            help="Flag open orders older than this (e.g. 72h, 3d).",
        ),
        click.option(
            "--warn-days",
            type=click.IntRange(min=0),
            default=14,
            show_default=True,
            help="Warn when auto-renew fires within N days against the spec.",
        ),
        click.option(
            "--summary",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write a JSON summary for later CI steps.",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def _guard_options(fn: Callable[..., None]) -> Callable[..., None]:
    """The run's guards (controller/plan/guards.py): plan shows them, apply enforces them."""
    decorators = [
        click.option(
            "--max-cancellations",
            type=click.IntRange(min=0),
            default=5,
            show_default=True,
            help="Refuse the run (exit 3) if it would cancel more subscriptions.",
        ),
        click.option(
            "--max-renewal-terms",
            type=click.IntRange(min=0),
            default=12,
            show_default=True,
            help="Refuse the run if one subscription would be renewed more terms.",
        ),
        click.option(
            "--max-cost",
            nargs=2,
            multiple=True,
            metavar="AMOUNT CURRENCY",
            callback=_max_cost,
            help="Refuse the run if renewals cost more (once per currency, e.g. 500 GBP).",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def _max_cost(
    _ctx: click.Context, _param: click.Parameter, given: tuple[tuple[str, str], ...]
) -> dict[str, Decimal]:
    """``--max-cost AMOUNT CURRENCY`` pairs as {currency: cap}; a usage error if malformed."""
    caps: dict[str, Decimal] = {}
    for amount, currency in given:
        code = currency.strip().upper()
        try:
            value = Decimal(amount)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0:
            raise click.BadParameter(f"amount {amount!r} is not a number >= 0")
        if not (len(code) == 3 and code.isascii() and code.isalpha()):
            raise click.BadParameter(f"currency {currency!r} is not a 3-letter code")
        if code in caps:
            raise click.BadParameter(f"currency {code} given twice")
        caps[code] = value
    return caps


def _limits(params: dict[str, Any]) -> GuardLimits:
    from controller.plan.guards import GuardLimits  # noqa: PLC0415 - pydantic models

    return GuardLimits(
        max_cancellations=params.pop("max_cancellations"),
        max_renewal_terms=params.pop("max_renewal_terms"),
        max_cost=params.pop("max_cost"),
    )


def _targeting_options(fn: Callable[..., None]) -> Callable[..., None]:
    """--only / --customer for plan and apply (controller/plan/targeting.py)."""
    fn = click.option(
        "--customer",
        "customers",
        multiple=True,
        metavar="ID",
        help="Plan/apply only the declared subscriptions of this customer (repeatable); "
        "a partial plan.",
    )(fn)
    return click.option(
        "--only",
        multiple=True,
        metavar="ID",
        help="Plan/apply only this declared subscription (repeatable), like terraform "
        "-target; a partial plan.",
    )(fn)


def _common(ctx: click.Context, params: dict[str, Any]) -> Common:
    from controller.runner import Common  # noqa: PLC0415 - runner imports httpx, anyio, rich

    glob: GlobalOptions = ctx.obj
    return Common(
        paths=tuple(params["paths"]),
        api_url=params["api_url"] or glob.api_url,
        marketplace=params["marketplace"] or glob.marketplace,
        fmt=params["fmt"],
        color=glob.color,
        quiet=glob.quiet,
        stuck_after=parse_duration(params["stuck_after"], "--stuck-after"),
        warn_days=params["warn_days"],
        summary=params["summary"],
        only=tuple(params.get("only", ())),
        customers=tuple(params.get("customers", ())),
    )


@main.command()
@_connection_options
@_targeting_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (JSON, with live-state fingerprints) for apply --plan.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 with no changes, 2 with changes, 3 if apply would refuse, 1 on errors.",
)
@_guard_options
@click.pass_context
def plan(ctx: click.Context, /, out: Path | None, detailed_exitcode: bool, **params: Any) -> None:
    """Show what apply would change: exit 0 ok, 2 changes (--detailed-exitcode), 1 error."""
    from controller.runner import run_plan  # noqa: PLC0415 - keeps validate/schema fast

    def body() -> int:
        limits = _limits(params)
        return run_plan(_common(ctx, params), out, detailed_exitcode, limits)

    run_body(body)


@main.command(name="apply")
@_connection_options
@_targeting_options
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Apply this saved plan (PATHS default to its own); refused (exit 3) unless a fresh "
    "plan of the same specs and target has exactly its steps.",
)
@_guard_options
@click.option(
    "--wait",
    "wait",
    default=None,
    help="Wait this long (90s, 10m) for approved cancellations to complete.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=64),
    default=8,
    show_default=True,
    help="How many subscriptions are applied at once (steps of one always run in order).",
)
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON Lines record of every write (default .subctl/journal.jsonl).",
)
@click.option(
    "--lock-wait",
    default="30s",
    show_default=True,
    help="How long to wait for another apply on the same target and account to end.",
)
@click.option(
    "--notify",
    "notify_urls",
    multiple=True,
    envvar="SUBCTL_NOTIFY_URLS",
    help="Post the outcome here at the end (repeatable; https webhook, slack://, ...).",
)
@click.pass_context
def apply_command(
    ctx: click.Context,
    /,
    yes: bool,
    plan_file: Path | None,
    wait: str | None,
    concurrency: int,
    journal: Path | None,
    lock_wait: str,
    notify_urls: tuple[str, ...],
    **params: Any,
) -> None:
    """Make live state match the specs: exit 0 applied, 1 error, 3 refused by a guard."""
    from controller.runner import run_apply  # noqa: PLC0415 - keeps validate/schema fast

    def body() -> int:
        limits = _limits(params)
        common = _common(ctx, params)
        wait_seconds = parse_duration(wait, "--wait") if wait is not None else None
        return run_apply(
            common,
            yes=yes,
            plan_file=plan_file,
            limits=limits,
            wait_seconds=wait_seconds,
            concurrency=concurrency,
            journal_path=journal,
            lock_wait=parse_duration(lock_wait, "--lock-wait"),
            notify_urls=notify_urls,
        )

    run_body(body)


# -- subctl show ------------------------------------------------------------------------


@main.command(name="show")
@click.argument("subscription_id", metavar="ID")
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: for people; json: one object on stdout.",
)
@click.pass_context
def show_command(
    ctx: click.Context, /, subscription_id: str, paths: tuple[str, ...], fmt: str
) -> None:
    """One subscription: live state, declaration (searched in PATHS), orders, plan. Read-only."""
    from controller.marketplace.settings import ApiSettings  # noqa: PLC0415
    from controller.show import run_show  # noqa: PLC0415 - imports httpx, anyio

    def body() -> int:
        glob: GlobalOptions = ctx.obj
        settings = ApiSettings.from_env(glob.api_url, marketplace_option=glob.marketplace)
        return run_show(
            subscription_id,
            paths,
            settings,
            fmt=fmt,
            color=glob.color,
            echo=lambda text: click.echo(text, nl=False),
            echo_err=lambda text: click.echo(text, err=True),
        )

    run_body(body)


# -- subctl export (adoption) ------------------------------------------------------------


@main.command(name="export")
@click.option("--customer", help="Only this customer's subscriptions (a customer id).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write customer-<id>.yaml files here (default: one YAML stream on stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite existing files in --out.")
@click.option("--api-url", help="Marketplace API URL, or 'sandbox' (SUBCTL_API_URL).")
@click.option("--marketplace", help="Marketplace code (SUBCTL_MARKETPLACE, default uk).")
@click.pass_context
def export_command(
    ctx: click.Context,
    /,
    customer: str | None,
    out: Path | None,
    force: bool,
    api_url: str | None,
    marketplace: str | None,
) -> None:
    """Write specs describing live subscriptions exactly, one file per customer."""
    from controller.export import run_export  # noqa: PLC0415 - imports httpx, anyio
    from controller.marketplace.settings import ApiSettings  # noqa: PLC0415

    glob: GlobalOptions = ctx.obj

    def body() -> int:
        settings = ApiSettings.from_env(
            api_url or glob.api_url, marketplace_option=marketplace or glob.marketplace
        )
        return run_export(
            settings,
            customer=customer,
            out=out,
            force=force,
            echo=lambda text: click.echo(text, nl=False),
            echo_err=lambda text: click.echo(text, err=True),
        )

    run_body(body)


# -- subctl sandbox ---------------------------------------------------------------------


main.add_command(sandbox_group)
main.add_command(notify_command)
main.add_command(status_command)
