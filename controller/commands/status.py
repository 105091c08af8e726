"""``subctl status --html DIR``: a static HTML status page of the declared subscriptions.

Read-only: the same observation as ``subctl plan`` (one pass over the subscription and
open-order listings; no renewal estimates, the page shows list prices), planned against
the specs, plus the journal; then controller/status/model.py and render.py write
DIR/index.html. Imported by controller/cli.py only when the command runs (httpx, anyio,
jinja2).
"""

from __future__ import annotations

from pathlib import Path

import anyio

from controller import reconcile
from controller.commands.options import Connection
from controller.commands.terminal import echo_err
from controller.errors import EXIT_OK
from controller.notify.run import read_journal
from controller.observe import collect_live
from controller.plan.inputs import LiveState
from controller.plan.planner import make_plan
from controller.reconcile import Planning, Scope
from controller.status import model, render
from controller.target import open_client


def status(
    paths: tuple[str, ...],
    connection: Connection,
    *,
    html: Path,
    journal: Path,
    stuck_after: float,
) -> int:
    planning = Planning(paths=paths, stuck_after=stuck_after)
    desired = reconcile.load(planning, Scope())
    settings = connection.settings()
    options = reconcile.plan_options(planning, settings, desired)
    lines = read_journal(journal) or []

    async def observe() -> LiveState:
        async with open_client(settings, announce=echo_err) as client:
            return await collect_live(client, (d.id for d in desired.subscriptions), options)

    live = anyio.run(observe)
    plan = make_plan(desired, live, options)
    path = render.write(model.build(plan, live, lines, options.now), html)
    echo_err(f"status page written to {path}")
    return EXIT_OK
