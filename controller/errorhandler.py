"""How a command body runs: the one place errors become exit codes, and logging set-up.

Used by every click command (controller/cli.py, controller/sandbox/command.py) around
its body, a function returning an int exit code (controller/commands/ for every verb but
the sandbox's own). ``run_body`` turns ``ControllerError`` into a one-line message on
stderr and its exit code (controller/errors.py), Ctrl-C into 130, and anything else into
a short "internal error" line (the traceback only with -vv), never a raw traceback for a
user mistake.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import click

from controller.errors import EXIT_ERROR, ControllerError, SpecErrors, exit_code_for
from controller.redact import RedactingFilter, redact
from controller.statedir import STATE_DIR, hint_if_created


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


def run_body(body: Callable[[], int]) -> None:
    """Run a command body and exit with its code; the only place errors become exits."""
    log = logging.getLogger("subctl")
    state_existed = STATE_DIR.exists()
    try:
        code = _unwrapped(body)
    except SpecErrors as err:
        # One line per problem, each ``path:line:col: message``, as validate prints them.
        for problem in err.problems:
            click.echo(str(problem), err=True)
        click.echo(f"error: {len(err.problems)} problem(s) in the spec files", err=True)
        code = exit_code_for(err)
    except ControllerError as err:
        click.echo(redact(f"error: {err}"), err=True)
        code = exit_code_for(err)
    except KeyboardInterrupt as err:
        click.echo("interrupted", err=True)
        code = exit_code_for(err)
    except Exception as err:  # a bug, not a user mistake: say so without a wall of text
        log.debug("internal error", exc_info=True)
        click.echo(
            redact(f"internal error: {type(err).__name__}: {err} (run with -vv for details)"),
            err=True,
        )
        code = EXIT_ERROR
    hint_if_created(state_existed, lambda line: click.echo(line, err=True))
    sys.exit(code)


def setup_logging(verbosity: int, quiet: bool) -> None:
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
    # Every handler of the root logger masks known secrets (controller/redact.py).
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    # Set on our own logger as well: basicConfig does nothing the second time, and a -v
    # typed after the command (controller/cliglobal.py) calls this again.
    logging.getLogger("subctl").setLevel(level)
    # httpx/httpcore log request lines at DEBUG; our client logs its own redacted lines,
    # so theirs stay quiet at every verbosity (they could carry headers in future versions).
    for noisy in ("httpx", "httpcore", "hpack", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
