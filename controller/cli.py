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

import click

from controller import __version__
from controller.errors import EXIT_ERROR, EXIT_OK, ControllerError, exit_code_for
from controller.spec.loader import check_specs
from controller.spec.schema import schema_json
from controller.spec.summary import render_json, render_text


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
