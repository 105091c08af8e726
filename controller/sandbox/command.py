"""``subctl sandbox serve``: the sandbox marketplace over HTTP (registered in cli.py).

Only click is imported here; starlette, uvicorn and SQLite load when the command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from controller.errorhandler import run_body
from controller.errors import ConfigError


@click.group(name="sandbox")
def sandbox_group() -> None:
    """The local sandbox marketplace (not a real marketplace)."""


@sandbox_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8780,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port, printed at start).",
)
@click.option(
    "--db",
    default=".subctl/sandbox.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite file holding the sandbox state (survives restarts); ':memory:' for none.",
)
@click.option(
    "--seed",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML/JSON seed for an empty database (default: the built-in demo set).",
)
@click.option(
    "--profile",
    type=click.Choice(["full", "minimal"]),
    default="full",
    show_default=True,
    help="full: answers with everything the sandbox knows; minimal: only what the published "
    "API guarantees (shorter list items, open renewals, shorter tokens and pages).",
)
@click.option(
    "--vendor-delay",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds from an approved cancellation to its completion by the vendor.",
)
@click.option(
    "--renewal-delay",
    type=click.FloatRange(0),
    help="Seconds a renewal stays submitted/processing before it completes "
    "[default: 0 in full, 20 in minimal].",
)
@click.option(
    "--latency-ms",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Delay added to every answer, in milliseconds.",
)
@click.option(
    "--fault-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of requests (0..1) that meet an injected fault.",
)
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
@click.option(
    "--username",
    default="sandbox",
    envvar="SUBCTL_SANDBOX_USERNAME",
    help="User the token call accepts (SUBCTL_SANDBOX_USERNAME).",
)
@click.option(
    "--password",
    default="sandbox",
    envvar="SUBCTL_SANDBOX_PASSWORD",
    show_default=False,
    help="Password the token call accepts (SUBCTL_SANDBOX_PASSWORD).",
)
@click.option(
    "--subscription-key",
    default="sandbox-key",
    envvar="SUBCTL_SANDBOX_SUBSCRIPTION_KEY",
    show_default=False,
    help="X-Subscription-Key every call must carry (SUBCTL_SANDBOX_SUBSCRIPTION_KEY).",
)
def sandbox_serve(
    *,
    host: str,
    port: int,
    db: str,
    seed: str | None,
    profile: str,
    vendor_delay: float,
    renewal_delay: float | None,
    latency_ms: int,
    fault_rate: float,
    fault_seed: int | None,
    fault_kinds: str,
    fault_match: tuple[str, ...],
    token_ttl: int | None,
    page_limit_max: int | None,
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
            config = SandboxConfig.for_profile(
                profile,
                username=username,
                password=password,
                subscription_key=subscription_key,
                token_ttl=token_ttl,
                page_limit_max=page_limit_max,
                vendor_delay=vendor_delay,
                renewal_delay=renewal_delay,
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

    run_body(body)
