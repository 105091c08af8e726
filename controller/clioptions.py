"""The options of the command line, each written once, and the values built from them.

Part of the command line (controller/cli.py, which lists the options each command takes
and calls ``planning_values`` / ``connection`` in its body): the click parameters of
plan, apply, export and status become one frozen value per concern (controller/commands/
options.py, controller/reconcile.py), here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from controller.commands.options import Connection, Output
from controller.defaults import (
    MAX_CANCELLATIONS,
    MAX_RENEWAL_TERMS,
    STUCK_AFTER_HOURS,
    WARN_DAYS,
)
from controller.durations import parse_duration

if TYPE_CHECKING:
    from controller.reconcile import Planning, Scope

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class GlobalOptions:
    verbosity: int
    quiet: bool
    color: bool
    api_url: str | None = None
    marketplace: str | None = None


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


_COUNT = click.IntRange(min=0)
FILE = click.Path(dir_okay=False, path_type=Path)
Row = tuple[tuple[str, ...], dict[str, Any]]


def _row(*decls: str, text: str, **attrs: Any) -> Row:
    return decls, {**attrs, "help": text}


# Every option of plan and apply (and export's and status's shared ones), written once: name ->
# (declarations, click's attributes). A command lists the names it takes (``options``),
# in its --help order.
_OPTIONS: dict[str, Row] = {
    "api-url": _row("--api-url", text="Marketplace API URL, or 'sandbox' (SUBCTL_API_URL)."),
    "marketplace": _row("--marketplace", text="Marketplace code (SUBCTL_MARKETPLACE, default uk)."),
    "format": _row(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "markdown"]),
        default="text",
        show_default=True,
        text="text: tables for people; json: versioned (formatVersion 1); "
        "markdown: a pull-request comment.",
    ),
    "stuck-after": _row(
        "--stuck-after",
        default=f"{STUCK_AFTER_HOURS}h",
        show_default=True,
        text="Flag open orders older than this (e.g. 72h, 3d).",
    ),
    "warn-days": _row(
        "--warn-days",
        type=_COUNT,
        default=WARN_DAYS,
        show_default=True,
        text="Warn when auto-renew fires within N days against the spec.",
    ),
    "summary": _row("--summary", type=FILE, text="Also write a JSON summary for later CI steps."),
    "only": _row(
        "--only",
        multiple=True,
        metavar="ID",
        text="Plan/apply only this declared subscription (repeatable), like terraform "
        "-target; a partial plan.",
    ),
    "customer": _row(
        "--customer",
        "customers",
        multiple=True,
        metavar="ID",
        text="Plan/apply only the declared subscriptions of this customer (repeatable); "
        "a partial plan.",
    ),
    # The run's guards (controller/plan/guards.py): plan shows them, apply enforces them.
    "max-cancellations": _row(
        "--max-cancellations",
        type=_COUNT,
        default=MAX_CANCELLATIONS,
        show_default=True,
        text="Refuse the run (exit 3) if it would cancel more subscriptions.",
    ),
    "max-renewal-terms": _row(
        "--max-renewal-terms",
        type=_COUNT,
        default=MAX_RENEWAL_TERMS,
        show_default=True,
        text="Refuse the run if one subscription would be renewed more terms.",
    ),
    "max-cost": _row(
        "--max-cost",
        nargs=2,
        multiple=True,
        metavar="AMOUNT CURRENCY",
        callback=_max_cost,
        text="Refuse the run if renewals cost more (once per currency, e.g. 500 GBP).",
    ),
    # plan only
    "out": _row(
        "--out",
        type=FILE,
        text="Save the plan (JSON, with live-state fingerprints) for apply --plan.",
    ),
    "detailed-exitcode": _row(
        "--detailed-exitcode",
        is_flag=True,
        text="Exit 0 with no changes, 2 with changes, 3 if apply would refuse, 1 on errors.",
    ),
    # apply only
    "yes": _row("-y", "--yes", is_flag=True, text="Do not ask for confirmation."),
    "plan": _row(
        "--plan",
        "plan_file",
        type=FILE,
        text="Apply this saved plan (PATHS default to its own); refused (exit 3) unless a "
        "fresh plan of the same specs and target has exactly its steps.",
    ),
    "wait": _row(
        "--wait",
        default=None,
        text="Wait this long (90s, 10m) for approved cancellations to complete.",
    ),
    "concurrency": _row(
        "--concurrency",
        type=click.IntRange(min=1, max=64),
        default=8,
        show_default=True,
        text="How many subscriptions are applied at once (steps of one always run in order).",
    ),
    "journal": _row(
        "--journal",
        type=FILE,
        text="JSON Lines record of every write (default .subctl/journal.jsonl).",
    ),
    "lock-wait": _row(
        "--lock-wait",
        default="30s",
        show_default=True,
        text="How long to wait for another apply on the same target and account to end.",
    ),
    "notify": _row(
        "--notify",
        "notify_urls",
        multiple=True,
        envvar="SUBCTL_NOTIFY_URLS",
        text="Post the outcome here at the end (repeatable; https webhook, slack://, ...).",
    ),
}
# Not required by click: apply --plan reads them from the plan; plan and apply without
# any say "no spec paths given" (exit 1) from the spec loader.
SPEC_PATHS = click.argument("paths", nargs=-1, required=False)
SHARED = ("api-url", "marketplace", "format", "stuck-after", "warn-days", "summary")
TARGETING = ("only", "customer")
GUARDS = ("max-cancellations", "max-renewal-terms", "max-cost")


def text_or_json(text: str) -> Callable[[F], F]:
    """``--format text|json`` of validate and show (plan and apply add markdown)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=text,
    )


def file_option(*decls: str, text: str, **attrs: Any) -> Callable[[F], F]:
    """A ``FILE`` option of one command alone (status and notify; shared ones are above)."""
    return click.option(*decls, type=FILE, help=text, **attrs)


def options(*names: str) -> Callable[[F], F]:
    """The named options of ``_OPTIONS``, listed by --help in the order given."""

    def decorate(fn: F) -> F:
        for name in reversed(names):
            decls, attrs = _OPTIONS[name]
            fn = click.option(*decls, **attrs)(fn)
        return fn

    return decorate


def connection(ctx: click.Context, params: dict[str, Any]) -> Connection:
    """``--api-url`` / ``--marketplace`` after the command, else before it."""
    glob: GlobalOptions = ctx.obj
    return Connection(
        api_url=params.pop("api_url") or glob.api_url,
        marketplace=params.pop("marketplace") or glob.marketplace,
    )


def planning_values(
    ctx: click.Context, params: dict[str, Any]
) -> tuple[Planning, Scope, Connection, Output]:
    """The one place plan's and apply's shared options become their values."""
    from controller.plan.guards import GuardLimits  # noqa: PLC0415 - pydantic models
    from controller.reconcile import Planning, Scope  # noqa: PLC0415 - httpx, anyio

    glob: GlobalOptions = ctx.obj
    planning = Planning(
        paths=tuple(params["paths"]),
        stuck_after=parse_duration(params["stuck_after"], "--stuck-after"),
        warn_days=params["warn_days"],
    )
    scope = Scope(
        only=tuple(params["only"]),
        customers=tuple(params["customers"]),
        limits=GuardLimits(
            max_cancellations=params["max_cancellations"],
            max_renewal_terms=params["max_renewal_terms"],
            max_cost=params["max_cost"],
        ),
    )
    output = Output(
        fmt=params["fmt"], color=glob.color, quiet=glob.quiet, summary=params["summary"]
    )
    return planning, scope, connection(ctx, params), output
