"""``subctl status --html DIR``: a static HTML status page of the declared subscriptions.

Read-only: the same observation as ``subctl plan`` (one pass over the subscription and
open-order listings; no renewal estimates, the page shows list prices), planned against
the specs, plus the journal; then controller/status/model.py and render.py write
DIR/index.html. Imported by controller/cli.py only when the command runs (httpx, anyio,
jinja2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import anyio
import click

from controller.commands.options import Connection
from controller.errors import EXIT_OK
from controller.notify.run import read_journal
from controller.observe import collect_live
from controller.plan.inputs import LiveState, PlanOptions
from controller.plan.planner import make_plan
from controller.revision import spec_revision
from controller.spec.loader import load_specs
from controller.status import model, render
from controller.target import describe, open_client


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def status(
    paths: tuple[str, ...],
    connection: Connection,
    *,
    html: Path,
    journal: Path,
    stuck_after: float,
) -> int:
    desired = load_specs(paths)
    settings = connection.settings()
    now = dt.datetime.now(dt.UTC)
    options = PlanOptions(
        now=now,
        target=describe(settings),
        revision=spec_revision(paths),
        stuck_after=dt.timedelta(seconds=stuck_after),
    )
    lines = read_journal(journal) or []

    async def observe() -> LiveState:
        async with open_client(settings, announce=_echo_err) as client:
            return await collect_live(client, (d.id for d in desired.subscriptions), options)

    live = anyio.run(observe)
    plan = make_plan(desired, live, options)
    path = render.write(model.build(plan, live, lines, now), html)
    _echo_err(f"status page written to {path}")
    return EXIT_OK
