"""The journal: one line per write, and a true record after a killed run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import anyio
import pytest

from controller.apply.groupcommit import GroupCommit
from controller.apply.inflight import pending_entries
from controller.apply.journal import Journal

pytestmark = pytest.mark.anyio

T0 = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_one_line_per_write_with_its_fields(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path, revision="abc1234", clock=lambda: T0)
    records = GroupCommit(journal)
    handle = await records.start("1000177", "cancel")
    assert (tmp_path / "j.jsonl.inflight").exists()
    assert not path.exists()  # nothing final yet
    await records.finish(
        handle,
        "succeeded",
        order_id="5",
        order_number="SO000005",
        correlation_id="c-1",
        message="created",
    )
    assert pending_entries(tmp_path / "j.jsonl.inflight") == []
    records.close()
    journal.close()
    assert not (tmp_path / "j.jsonl.inflight").exists()
    (line,) = _lines(path)
    assert line == {
        "time": T0.isoformat(),
        "subscription": "1000177",
        "action": "cancel",
        "orderId": "5",
        "orderNumber": "SO000005",
        "correlationId": "c-1",
        "outcome": "succeeded",
        "message": "created",
        "revision": "abc1234",
    }


async def test_killed_run_leaves_inflight_that_next_run_records(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    first = GroupCommit(Journal(path, clock=lambda: T0))
    await first.start("1", "renew")
    await first.start("2", "approve", "77")
    done = await first.start("3", "withdraw", "78")
    await first.finish(done, "succeeded")
    first.close()  # stops the worker only: the journal is left as a killed run leaves it
    # the process dies here: two writes were in flight
    second = Journal(path, clock=lambda: T0)
    assert second.recover() == 2
    lines = _lines(path)
    assert [(ln["subscription"], ln["outcome"]) for ln in lines] == [
        ("3", "succeeded"),
        ("1", "interrupted"),
        ("2", "interrupted"),
    ]
    assert lines[2]["orderId"] == "77"
    assert second.recover() == 0
    assert len(_lines(path)) == 3


async def test_no_path_writes_nothing(tmp_path: Path, monkeypatch: object) -> None:
    journal = Journal(None)
    records = GroupCommit(journal)
    handle = await records.start("1", "renew")
    await records.finish(handle, "failed", message="x")
    records.close()
    assert journal.recover() == 0
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []
