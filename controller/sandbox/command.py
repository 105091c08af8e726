"""``subctl sandbox serve``: the sandbox marketplace over HTTP (registered in cli.py).

Only click is imported here; starlette, uvicorn and SQLite load when the command runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from controller.errorhandler import run_body
from controller.errors import ConfigError


@click.group(name="sandbox")
def sandbox_group() -> None:
    """The local sandbox marketplace (not a real marketplace)."""


F = TypeVar("F", bound=Callable[..., Any])


def _shown(decl: str, default: object, text: str, **attrs: Any) -> Callable[[F], F]:
    """An option whose default --help shows."""
    return click.option(decl, default=default, show_default=True, help=text, **attrs)


def _credential(decl: str, default: str, envvar: str, text: str) -> Callable[[F], F]:
    """What the token call accepts, also read from ``envvar`` (named in the help)."""
    return click.option(decl, default=default, envvar=envvar, help=f"{text} ({envvar}).")


@sandbox_group.command("serve")
@_shown("--host", "127.0.0.1", "Address to listen on.")
@_shown(
    "--port",
    8780,
    "Port to listen on (0: any free port, printed at start).",
    type=click.IntRange(0, 65535),
)
@_shown(
    "--db",
    ".subctl/sandbox.db",
    "SQLite file holding the sandbox state (survives restarts); ':memory:' for none.",
    type=click.Path(dir_okay=False),
)
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML/JSON seed for an empty database (default: the built-in demo set).",
)
@_shown(
    "--profile",
    "full",
    "full: answers with everything the sandbox knows; minimal: only what the published "
    "API guarantees (shorter list items, open renewals, shorter tokens and pages).",
    type=click.Choice(["full", "minimal"]),
)
@_shown(
    "--vendor-delay",
    30.0,
    "Seconds from an approved cancellation to its completion by the vendor.",
    type=click.FloatRange(0),
)
@click.option(
    "--renewal-delay",
    type=click.FloatRange(0),
    help="Seconds a renewal stays submitted/processing before it completes "
    "[default: 0 in full, 20 in minimal].",
)
@_shown("--latency-ms", 0, "Delay added to every answer, in milliseconds.", type=click.IntRange(0))
@_shown(
    "--fault-rate",
    0.0,
    "Share of requests (0..1) that meet an injected fault.",
    type=click.FloatRange(0, 1),
)
@click.option("--fault-seed", type=int, help="Seed of the fault schedule (reproducible runs).")
@_shown(
    "--fault-kinds",
    "500,503,429,drop,commit-502",
    "Comma-separated: 500, 503, 429, drop, commit-502, commit-drop.",
)
@click.option(
    "--fault-match",
    multiple=True,
    help='Only requests matching this "METHOD /path" glob may fault (repeatable).',
)
@click.option(
    "--token-ttl",
    type=click.IntRange(1),
    help="Seconds a token stays valid [default: 3600 in full, 1500 in minimal].",
)
@click.option(
    "--page-limit-max",
    type=click.IntRange(1),
    help="Largest page the list calls serve, whatever limit is asked "
    "[default: 100 in full, 25 in minimal].",
)
@_credential("--username", "sandbox", "SUBCTL_SANDBOX_USERNAME", "User the token call accepts")
@_credential("--password", "sandbox", "SUBCTL_SANDBOX_PASSWORD", "Password the token call accepts")
@_credential(
    "--subscription-key",
    "sandbox-key",
    "SUBCTL_SANDBOX_SUBSCRIPTION_KEY",
    "X-Subscription-Key every call must carry",
)
def sandbox_serve(
    *,
    host: str,
    port: int,
    db: str,
    seed: str | None,
    profile: str,
    fault_kinds: str,
    **config: Any,
) -> None:
    """Serve the sandbox marketplace over HTTP (for tests, demos and other tools)."""

    def body() -> int:
        # Lazy: starlette, uvicorn and SQLite load only for this command.
        from controller.sandbox.config import SandboxConfig  # noqa: PLC0415
        from controller.sandbox.server import serve  # noqa: PLC0415

        try:
            # The other options are SandboxConfig's fields by name (credentials, delays,
            # faults, token and page limits); None takes the profile's default.
            settings = SandboxConfig.for_profile(
                profile,
                fault_kinds=tuple(k.strip() for k in fault_kinds.split(",") if k.strip()),
                **config,
            )
        except ValueError as err:
            raise ConfigError(str(err)) from None
        return serve(
            host=host,
            port=port,
            db=Path(db),
            seed=Path(seed) if seed else None,
            config=settings,
        )

    run_body(body)
