"""``subctl status --html DIR``: the click command; its body is ``run_status`` below.

Read-only: the same observation as ``subctl plan`` (one pass over the subscription and
open-order listings; no renewal estimates, the page shows list prices), planned against
the specs, plus the journal; then model.py and render.py write DIR/index.html.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from controller.errorhandler import run_body
from controller.errors import EXIT_OK

DEFAULT_JOURNAL = Path(".subctl") / "journal.jsonl"


def run_status(
    paths: tuple[str, ...],
    *,
    html: Path,
    journal: Path,
    api_url: str | None,
    marketplace: str | None,
    stuck_after: float,
    echo_err: Callable[[str], None],
) -> int:
    # Lazy: httpx, anyio and the models are not needed to print --help.
    import anyio  # noqa: PLC0415

    from controller.marketplace.settings import ApiSettings  # noqa: PLC0415
    from controller.notify.run import read_journal  # noqa: PLC0415
    from controller.observe import collect_live  # noqa: PLC0415
    from controller.plan.inputs import LiveState, PlanOptions  # noqa: PLC0415
    from controller.plan.planner import make_plan  # noqa: PLC0415
    from controller.revision import spec_revision  # noqa: PLC0415
    from controller.spec.loader import load_specs  # noqa: PLC0415
    from controller.status import model, render  # noqa: PLC0415
    from controller.target import describe, open_client  # noqa: PLC0415

    desired = load_specs(paths)
    settings = ApiSettings.from_env(api_url, marketplace_option=marketplace)
    now = dt.datetime.now(dt.UTC)
    options = PlanOptions(
        now=now,
        target=describe(settings),
        revision=spec_revision(paths),
        stuck_after=dt.timedelta(seconds=stuck_after),
    )
    lines = read_journal(journal) or []

    async def observe() -> LiveState:
        async with open_client(settings, announce=echo_err) as client:
            return await collect_live(client, (d.id for d in desired.subscriptions), options)

    live = anyio.run(observe)
    plan = make_plan(desired, live, options)
    path = render.write(model.build(plan, live, lines, now), html)
    echo_err(f"status page written to {path}")
    return EXIT_OK


@click.command(name="status")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--html",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Write the status page to DIR/index.html (self-contained, works offline).",
)
@click.option(
    "--journal",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_JOURNAL,
    show_default=True,
    help="The apply journal whose last runs the page lists.",
)
@click.option("--api-url", help="Marketplace API URL, or 'sandbox' (SUBCTL_API_URL).")
@click.option("--marketplace", help="Marketplace code (SUBCTL_MARKETPLACE, default uk).")
@click.option(
    "--stuck-after",
    default="72h",
    show_default=True,
    help="Flag open orders older than this (e.g. 72h, 3d).",
)
@click.pass_context
def status_command(
    ctx: click.Context,
    /,
    paths: tuple[str, ...],
    html: Path,
    journal: Path,
    api_url: str | None,
    marketplace: str | None,
    stuck_after: str,
) -> None:
    """Write a static HTML status page of the declared subscriptions (read-only)."""
    from controller.durations import parse_duration  # noqa: PLC0415

    glob = ctx.obj

    def body() -> int:
        return run_status(
            paths,
            html=html,
            journal=journal,
            api_url=api_url or getattr(glob, "api_url", None),
            marketplace=marketplace or getattr(glob, "marketplace", None),
            stuck_after=parse_duration(stuck_after, "--stuck-after"),
            echo_err=lambda m: click.echo(m, err=True),
        )

    run_body(body)
