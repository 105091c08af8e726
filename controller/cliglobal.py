"""Global options accepted after the command too: ``subctl plan specs/ -v`` works.

Part of the command line (controller/cli.py). The group's own options (``-v``, ``-q``,
``--no-color``, ``--api-url``, ``--marketplace``) are copied onto every command added to
it, unless the command already has an option of that name (plan and apply have their
own ``--api-url``). A copy does not reach the command's function: its callback folds the
value into the ``GlobalOptions`` object (``ctx.obj``) that the group built, and sets the
log level again, so a body sees one set of global options wherever they were typed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import click

from controller.errorhandler import setup_logging

_AFTER = " Also accepted before the command."


def _fold(field: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is None or value is False or value == 0:
            return value  # not given after the command: the group's value stands
        obj: Any = ctx.obj
        if not hasattr(obj, "verbosity"):  # not the GlobalOptions of controller/cli.py
            return value
        if field == "verbosity":
            new = dataclasses.replace(obj, verbosity=obj.verbosity + value)
        elif field == "color":
            new = dataclasses.replace(obj, color=False)
        else:
            new = dataclasses.replace(obj, **{field: value})
        # Every context up to the root shares the object, so a later command body (and
        # any nested group) reads the merged options.
        here: click.Context | None = ctx
        while here is not None:
            here.obj = new
            here = here.parent
        setup_logging(new.verbosity, new.quiet)
        return value

    return callback


# Each global option once: its declarations, the GlobalOptions field it folds into, the
# click attributes and the help (``_AFTER`` added).
_GLOBALS: tuple[tuple[tuple[str, ...], str, dict[str, Any], str], ...] = (
    (
        ("-v", "--verbose", "_g_verbosity"),
        "verbosity",
        {"count": True},
        "More log detail on stderr: -v each write and retry, -vv every call.",
    ),
    (("-q", "--quiet", "_g_quiet"), "quiet", {"is_flag": True}, "Only errors on stderr."),
    (("--no-color", "_g_no_color"), "color", {"is_flag": True}, "Plain output, no colours."),
    (
        ("--api-url", "_g_api_url"),
        "api_url",
        {},
        "Marketplace API URL, or 'sandbox' (SUBCTL_API_URL).",
    ),
    (
        ("--marketplace", "_g_marketplace"),
        "marketplace",
        {},
        "Marketplace code (SUBCTL_MARKETPLACE, default uk).",
    ),
)


def _copies() -> list[click.Option]:
    return [
        click.Option(
            list(decls), expose_value=False, callback=_fold(field), help=text + _AFTER, **attrs
        )
        for decls, field, attrs, text in _GLOBALS
    ]


def add_global_options(command: click.Command) -> None:
    """Give ``command`` (and, for a group, its commands) the global options it lacks."""
    taken = {opt for param in command.params for opt in getattr(param, "opts", ())}
    for option in _copies():
        if not taken.intersection(option.opts):
            command.params.append(option)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_global_options(sub)
