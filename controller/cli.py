"""Command line: click commands, thin. Parses options, calls the pipeline, maps errors.

Each command body returns an int exit code; ``_run`` is the one error handler that
turns ``ControllerError`` into a one-line message on stderr and its exit code
(controller/errors.py), Ctrl-C into 130, and anything else into a short "internal
error" line (the traceback only with -vv), never a raw traceback for a user mistake.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from controller import __version__
from controller.durations import parse_duration
from controller.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    ConfigError,
    ControllerError,
    SpecErrors,
    exit_code_for,
)
from controller.spec.loader import check_specs
from controller.spec.schema import schema_json
from controller.spec.summary import render_json, render_text

if TYPE_CHECKING:
    from controller.runner import Common


@dataclass(frozen=True)
class GlobalOptions:
    verbosity: int
    quiet: bool
    color: bool
    api_url: str | None = None
    marketplace: str | None = None


def _unwrapped(body: Callable[[], int]) -> int:
    """Run ``body``; a task group's ExceptionGroup of one error becomes that error, so a
    failure inside concurrent work is reported like any other (its message, its code)."""
    try:
        return body()
    except BaseExceptionGroup as group:
        leaves = _leaves(group)
        if len(leaves) == 1 or all(isinstance(e, ControllerError) for e in leaves):
            # Several ControllerErrors: the most severe exit code wins (3 over 1).
            raise max(leaves, key=exit_code_for) from group
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


def _run(body: Callable[[], int]) -> None:
    """Run a command body and exit with its code; the only place errors become exits."""
    log = logging.getLogger("subctl")
    try:
        code = _unwrapped(body)
    except SpecErrors as err:
        # One line per problem, each ``path:line:col: message``, as validate prints them.
        for problem in err.problems:
            click.echo(str(problem), err=True)
        click.echo(f"error: {len(err.problems)} problem(s) in the spec files", err=True)
        code = exit_code_for(err)
    except ControllerError as err:
        click.echo(f"error: {err}", err=True)
        code = exit_code_for(err)
    except KeyboardInterrupt as err:
        click.echo("interrupted", err=True)
        code = exit_code_for(err)
    except Exception as err:  # a bug, not a user mistake: say so without a wall of text
        log.debug("internal error", exc_info=True)
        click.echo(
            f"internal error: {type(err).__name__}: {err} (run with -vv for details)", err=True
        )
        code = EXIT_ERROR
    sys.exit(code)


def _setup_logging(verbosity: int, quiet: bool) -> None:
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbosity == 1:
        level = logging.INFO
    elif verbosity >= 2:
        level = logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx/httpcore log request lines at DEBUG; our client logs its own redacted lines,
    # so theirs stay quiet at every verbosity (they could carry headers in future versions).
    for noisy in ("httpx", "httpcore", "hpack", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


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
    _setup_logging(verbosity, quiet)
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

    _run(body)


@main.command()
def schema() -> None:
    """Print the JSON Schema of a spec document (SubscriptionSet)."""
    _run(lambda: _echo_raw(schema_json()))


def _echo_raw(text: str) -> int:
    click.echo(text, nl=False)
    return EXIT_OK


def _connection_options(fn: Callable[..., None]) -> Callable[..., None]:
    """Options shared by plan and apply (the connection ones may also come first)."""
    decorators = [
        click.argument("paths", nargs=-1, required=True),
        click.option("--api-url", help="Marketplace API URL, or 'sandbox' (SUBCTL_API_URL)."),
        click.option("--marketplace", help="Marketplace code (SUBCTL_MARKETPLACE, default uk)."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "json", "markdown"]),
            default="text",
            show_default=True,
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
    )


@main.command()
@_connection_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan (JSON, with live-state fingerprints) for apply --plan.",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 with no changes, 2 with changes, 1 on errors."
)
@click.pass_context
def plan(ctx: click.Context, /, out: Path | None, detailed_exitcode: bool, **params: Any) -> None:
    """Show what apply would change: exit 0 ok, 2 changes (--detailed-exitcode), 1 error."""
    from controller.runner import run_plan  # noqa: PLC0415 - keeps validate/schema fast

    _run(lambda: run_plan(_common(ctx, params), out, detailed_exitcode))


@main.command(name="apply")
@_connection_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Apply exactly this saved plan; refused if live state changed since.",
)
@click.option("--max-cancellations", type=click.IntRange(min=0), default=5, show_default=True)
@click.option(
    "--wait",
    "wait",
    default=None,
    help="Wait this long (90s, 10m) for approved cancellations to complete.",
)
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=8, show_default=True)
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON Lines record of every write (default .subctl/journal.jsonl).",
)
@click.option(
    "--lock-wait",
    default="30s",
    show_default=True,
    help="How long to wait for another apply in this folder (.subctl/apply.lock) to end.",
)
@click.pass_context
def apply_command(
    ctx: click.Context,
    /,
    yes: bool,
    plan_file: Path | None,
    max_cancellations: int,
    wait: str | None,
    concurrency: int,
    journal: Path | None,
    lock_wait: str,
    **params: Any,
) -> None:
    """Make live state match the specs: exit 0 applied, 1 error, 3 refused by a guard."""
    from controller.runner import run_apply  # noqa: PLC0415 - keeps validate/schema fast

    def body() -> int:
        common = _common(ctx, params)
        wait_seconds = parse_duration(wait, "--wait") if wait is not None else None
        return run_apply(
            common,
            yes=yes,
            plan_file=plan_file,
            max_cancellations=max_cancellations,
            wait_seconds=wait_seconds,
            concurrency=concurrency,
            journal_path=journal,
            lock_wait=parse_duration(lock_wait, "--lock-wait"),
        )

    _run(body)


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

    _run(body)


# -- subctl sandbox ---------------------------------------------------------------------


@main.group()
def sandbox() -> None:
    """The local sandbox marketplace (not a real marketplace)."""


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8780, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--db", default=".subctl/sandbox.db", show_default=True, type=click.Path(dir_okay=False)
)
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML/JSON seed for an empty database (default: the built-in demo set).",
)
@click.option("--vendor-delay", default=30.0, show_default=True, type=click.FloatRange(0))
@click.option("--latency-ms", default=0, show_default=True, type=click.IntRange(0))
@click.option("--fault-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1))
@click.option("--fault-seed", type=int, help="Seed of the fault schedule (reproducible runs).")
@click.option(
    "--fault-kinds",
    default="500,503,429,drop,commit-502",
    show_default=True,
    help="Comma-separated: 500, 503, 429, drop, commit-502, commit-drop.",
)
@click.option(
    "--fault-match",
    multiple=True,
    help='Only requests matching this "METHOD /path" glob may fault (repeatable).',
)
@click.option("--token-ttl", default=3600, show_default=True, type=click.IntRange(1))
@click.option("--page-limit-max", default=100, show_default=True, type=click.IntRange(1))
@click.option("--username", default="sandbox", envvar="SUBCTL_SANDBOX_USERNAME")
@click.option("--password", default="sandbox", envvar="SUBCTL_SANDBOX_PASSWORD", show_default=False)
@click.option(
    "--subscription-key",
    default="sandbox-key",
    envvar="SUBCTL_SANDBOX_SUBSCRIPTION_KEY",
    show_default=False,
)
def sandbox_serve(
    *,
    host: str,
    port: int,
    db: str,
    seed: str | None,
    vendor_delay: float,
    latency_ms: int,
    fault_rate: float,
    fault_seed: int | None,
    fault_kinds: str,
    fault_match: tuple[str, ...],
    token_ttl: int,
    page_limit_max: int,
    username: str,
    password: str,
    subscription_key: str,
) -> None:
    """Serve the sandbox marketplace over HTTP (for tests, demos and other tools)."""

    def body() -> int:
        # Lazy: starlette, uvicorn and SQLite load only for this command.
        from controller.sandbox.config import SandboxConfig  # noqa: PLC0415
        from controller.sandbox.server import serve  # noqa: PLC0415

        try:
            config = SandboxConfig(
                username=username,
                password=password,
                subscription_key=subscription_key,
                token_ttl=token_ttl,
                page_limit_max=page_limit_max,
                vendor_delay=vendor_delay,
                latency_ms=latency_ms,
                fault_rate=fault_rate,
                fault_seed=fault_seed,
                fault_kinds=tuple(k.strip() for k in fault_kinds.split(",") if k.strip()),
                fault_match=fault_match,
            )
        except ValueError as err:
            raise ConfigError(str(err)) from None
        return serve(
            host=host,
            port=port,
            db=Path(db),
            seed=Path(seed) if seed else None,
            config=config,
        )

    _run(body)
