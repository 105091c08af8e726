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

import click

from controller import __version__
from controller.errors import EXIT_ERROR, ConfigError, ControllerError, exit_code_for


@dataclass(frozen=True)
class GlobalOptions:
    verbosity: int
    quiet: bool
    color: bool


def _run(body: Callable[[], int]) -> None:
    """Run a command body and exit with its code; the only place errors become exits."""
    log = logging.getLogger("subctl")
    try:
        code = body()
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="subctl")
@click.option("-v", "--verbose", "verbosity", count=True, help="More log detail on stderr (-vv).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--no-color", is_flag=True, help="Plain output, no colours.")
@click.pass_context
def main(ctx: click.Context, verbosity: int, quiet: bool, no_color: bool) -> None:
    """Keep Comms Care subscriptions in the state that git declares."""
    _setup_logging(verbosity, quiet)
    ctx.obj = GlobalOptions(verbosity=verbosity, quiet=quiet, color=not no_color)


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
