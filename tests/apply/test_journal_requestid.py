"""The journal joins every order placement to its order, even when the run was killed.

Regression: placements were journalled without their ``requestId``; a run killed
mid-POST left an ``interrupted`` line naming no order, so an order it created could
not be traced to any journal line.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from controller.apply.groupcommit import GroupCommit
from controller.apply.journal import OUTCOME_INTERRUPTED, Journal, JournalError
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.retry import set_testing
from controller.plan.inputs import PlanOptions
from controller.reconcile import ApplyOptions, apply
from controller.sandbox.embedded import embedded_transport
from controller.spec.loader import load_specs
from tests.e2e.harness import sub, write_specs
from tests.marketplace.conftest import sandbox_settings


@pytest.mark.anyio
async def test_interrupted_line_keeps_the_request_id(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    killed = GroupCommit(Journal(path))
    await killed.start("1", "renew", request_id="rid-1")  # the run dies here, mid-POST
    killed.close()  # the worker only: the journal is left as a killed run leaves it
    assert Journal(path).recover() == 1
    (line,) = [json.loads(x) for x in path.read_text().splitlines()]
    assert line["outcome"] == OUTCOME_INTERRUPTED
    assert line["requestId"] == "rid-1"


@pytest.mark.anyio
async def test_every_placement_line_names_its_request_id(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"subscriptions": [sub("1"), sub("2")]}), encoding="utf-8")
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "1", "state": "active", "autoRenew": True, "renewThrough": "2029-03-31"},
            {"id": "2", "state": "cancelled", "cancellation": {"reason": "moved away"}},
        ],
    )
    settings = sandbox_settings()
    # Every order POST commits and then loses its answer: the order is found by re-reading.
    transport = embedded_transport(
        tmp_path / "db.sqlite",
        seed=seed,
        fault_rate=1.0,
        fault_kinds=("commit-502",),
        fault_match=("POST /orders",),
    )
    journal = Journal(tmp_path / "j.jsonl")
    set_testing(True)
    try:
        async with httpx.AsyncClient(transport=transport) as http:
            client = MarketplaceClient(http, settings)
            await apply(
                client,
                load_specs([str(specs)]),
                PlanOptions(now=dt.datetime.now(dt.UTC)),
                ApplyOptions(),
                journal,
            )
            orders = [o async for o in client.iter_orders()]
    finally:
        set_testing(False)
    placed = {o.attributes["requestId"]: o.id for o in orders}
    lines = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    placements = [ln for ln in lines if ln["action"] in ("renew", "cancel")]
    assert len(placements) == 3  # two renewal terms, one cancellation
    for line in placements:
        assert placed[line["requestId"]] == line["orderId"]


@pytest.mark.anyio
async def test_a_planted_symlink_is_never_written_through(tmp_path: Path) -> None:
    # Regression: a symlink committed at .subctl/journal.jsonl made apply append
    # journal lines to whatever it pointed to.
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    link = tmp_path / ".subctl" / "journal.jsonl"
    link.parent.mkdir()
    link.symlink_to(precious)
    journal = Journal(link)
    with pytest.raises(JournalError, match="it is a symlink"):
        journal.ensure_writable()
    records = GroupCommit(journal)
    handle = await records.start("1", "renew")
    await records.finish(handle, "succeeded")  # the line cannot be written: kept apart
    records.close()
    journal.close()
    assert "it is a symlink" in journal.failures[0]
    assert precious.read_text() == "keep me\n"
