"""Command line: the click wiring only, in the style of pre-commit's ``main.py``.

Parses options (each written once, in controller/clioptions.py, which also builds one
frozen value per concern from them), and calls the command's function in
controller/commands/ through ``run_body`` (controller/errorhandler.py), the one place
errors become exit codes. ``subctl sandbox``, the sandbox's own tool, lives beside its
package (it must not import the client) and is registered here.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

import click

from controller import __version__
from controller.cliglobal import add_global_options
from controller.clioptions import (
    GUARDS,
    SHARED,
    SPEC_PATHS,
    TARGETING,
    GlobalOptions,
    connection,
    file_option,
    options,
    planning_values,
    text_or_json,
)
from controller.commands.options import DEFAULT_JOURNAL, Connection
from controller.defaults import WARN_DAYS
from controller.durations import parse_duration
from controller.errorhandler import run_body, setup_logging
from controller.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK
from controller.notify.sources import RunFiles
from controller.sandbox.command import sandbox_group
from controller.startup import tune_process


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
@text_or_json("text: problems on stderr, a summary; json: one object on stdout.")
def validate(paths: tuple[str, ...], fmt: Literal["text", "json"]) -> None:
    """Check spec files (YAML) and directories of them; exit 0 valid, 1 invalid."""
    from controller.commands.validate import validate as command  # noqa: PLC0415

    run_body(lambda: command(paths, fmt))


@main.command()
def schema() -> None:
    """Print the JSON Schema of a spec document (SubscriptionSet)."""
    from controller.commands.schema import schema as command  # noqa: PLC0415

    run_body(command)


@main.command()
@SPEC_PATHS
@options(*SHARED, *TARGETING, "out", "detailed-exitcode", *GUARDS)
@click.pass_context
def plan(ctx: click.Context, /, out: Path | None, detailed_exitcode: bool, **params: Any) -> None:
    """Show what apply would change: exit 0 ok, 2 changes (--detailed-exitcode), 1 error."""
    from controller.commands.plan import plan as command  # noqa: PLC0415 - httpx, anyio

    def body() -> int:
        planning, scope, connection, output = planning_values(ctx, params)
        return command(
            planning, scope, connection, output, out=out, detailed_exitcode=detailed_exitcode
        )

    run_body(body)


@main.command(name="apply")
@SPEC_PATHS
@options(*SHARED, *TARGETING, "yes", "plan", *GUARDS, "wait", "concurrency", "journal")
@options("lock-wait", "notify")
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
    from controller.commands.apply import ApplyRun  # noqa: PLC0415 - httpx, anyio
    from controller.commands.apply import apply as command  # noqa: PLC0415
    from controller.reconcile import ApplyOptions  # noqa: PLC0415

    def body() -> int:
        planning, scope, connection, output = planning_values(ctx, params)
        options = ApplyOptions(
            scope=scope,
            concurrency=concurrency,
            wait_seconds=parse_duration(wait, "--wait") if wait is not None else None,
        )
        run = ApplyRun(
            yes=yes,
            plan_file=plan_file,
            journal=journal,
            lock_wait=parse_duration(lock_wait, "--lock-wait"),
            notify_urls=notify_urls,
        )
        return command(planning, options, connection, output, run)

    run_body(body)


@main.command(name="show")
@click.argument("subscription_id", metavar="ID")
@click.argument("paths", nargs=-1)
@text_or_json("text: for people; json: one object on stdout.")
@click.pass_context
def show_command(
    ctx: click.Context,
    /,
    subscription_id: str,
    paths: tuple[str, ...],
    fmt: Literal["text", "json"],
) -> None:
    """One subscription: live state, declaration (searched in PATHS), orders, plan. Read-only."""
    from controller.commands.show import show  # noqa: PLC0415 - imports httpx, anyio

    glob: GlobalOptions = ctx.obj
    connection = Connection(api_url=glob.api_url, marketplace=glob.marketplace)
    run_body(lambda: show(subscription_id, paths, connection, fmt=fmt, color=glob.color))


@main.command(name="export")
@click.option("--customer", help="Only this customer's subscriptions (a customer id).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write customer-<id>.yaml files here (default: one YAML stream on stdout).",
)
@click.option("--force", is_flag=True, help="Overwrite existing files in --out.")
@options("api-url", "marketplace")
@click.pass_context
def export_command(
    ctx: click.Context, /, customer: str | None, out: Path | None, force: bool, **params: Any
) -> None:
    """Write specs describing live subscriptions exactly, one file per customer."""
    from controller.commands.export import export  # noqa: PLC0415 - imports httpx, anyio

    target = connection(ctx, params)
    run_body(lambda: export(target, customer=customer, out=out, force=force))


@main.command(name="status")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--html",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Write the status page to DIR/index.html (self-contained, works offline).",
)
@file_option(
    "--journal",
    default=DEFAULT_JOURNAL,
    show_default=True,
    text="The apply journal whose last runs the page lists.",
)
@options("api-url", "marketplace", "stuck-after")
@click.pass_context
def status_command(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    html: Path,
    journal: Path,
    stuck_after: str,
    **params: Any,
) -> None:
    """Write a static HTML status page of the declared subscriptions (read-only)."""
    from controller.commands.status import status  # noqa: PLC0415 - httpx, anyio, jinja2

    target = connection(ctx, params)
    run_body(
        lambda: status(
            paths,
            target,
            html=html,
            journal=journal,
            stuck_after=parse_duration(stuck_after, "--stuck-after"),
        )
    )


@main.command(name="notify")
@click.argument("urls", nargs=-1)
@file_option(
    "--result",
    "result_path",
    text="apply (or plan) --format json output; the most detailed source.",
)
@file_option(
    "--summary",
    "summary_path",
    text="The --summary file of the same run (guard refusals; used alone when no result).",
)
@file_option(
    "--journal",
    "journal_path",
    text="The apply's journal, to count the renewal orders it placed (money spent).",
)
@click.option(
    "--warn-days",
    type=click.IntRange(min=0),
    default=WARN_DAYS,
    show_default=True,
    help="List active subscriptions renewing or expiring within N days.",
)
@click.option("--print", "print_doc", is_flag=True, help="Also print the JSON document on stdout.")
def notify_command(
    urls: tuple[str, ...],
    result_path: Path | None,
    summary_path: Path | None,
    journal_path: Path | None,
    warn_days: int,
    print_doc: bool,
) -> None:
    """Post a run's outcome to webhooks, Slack, Teams (URLs, or SUBCTL_NOTIFY_URLS).

    https:// URLs receive subctl's JSON document; slack://, workflows:// (Teams),
    json:// and other apprise URLs receive a short message. Exit 0 all sent, 1 otherwise.
    """
    from controller.commands.notify import notify  # noqa: PLC0415 - httpx, models, apprise

    files = RunFiles(result=result_path, summary=summary_path, journal=journal_path)
    run_body(lambda: notify(urls, files, warn_days=warn_days, print_doc=print_doc))


main.add_command(sandbox_group)
