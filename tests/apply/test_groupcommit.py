"""Group commit: records queued together share a commit; each waiter sees its own result."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from controller.apply.groupcommit import GroupCommit
from controller.apply.inflight import pending_entries
from controller.apply.journal import Journal, JournalError, Record

pytestmark = pytest.mark.anyio


class _SlowJournal(Journal):
    """Holds the first commit until released, so that the records behind it queue up."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.gate = threading.Event()
        self.sizes: list[int] = []

    def commit(self, records: Sequence[Record]) -> list[JournalError | None]:
        self.gate.wait(5)
        self.sizes.append(len(records))
        return super().commit(records)


async def test_records_queued_together_share_one_commit(tmp_path: Path) -> None:
    journal = _SlowJournal(tmp_path / "j.jsonl")
    records = GroupCommit(journal)
    side = tmp_path / "j.jsonl.inflight"
    seen: dict[str, bool] = {}

    async def write(name: str) -> None:
        handle = await records.start(name, "set-auto-renew")
        # The moment start returns, the write may be sent: its record must be there.
        seen[name] = any(e["subscription"] == name for e in pending_entries(side))
        await records.finish(handle, "succeeded")

    try:
        async with anyio.create_task_group() as tg:
            for n in range(10):
                tg.start_soon(write, str(n))
            await anyio.sleep(0.05)
            journal.gate.set()
    finally:
        records.close()
    assert seen == {str(n): True for n in range(10)}
    assert sum(journal.sizes) == 20
    assert records.batches == len(journal.sizes) < 20
    lines = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert sorted(ln["subscription"] for ln in lines) == [str(n) for n in range(10)]
    assert pending_entries(side) == []


async def test_an_error_reaches_the_record_it_belongs_to(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    records = GroupCommit(journal)
    try:
        first = await records.start("1", "cancel")
        path.mkdir()  # outcome lines cannot be written any more
        # The write's outcome stands (issue 16): finish does not raise; the journal
        # keeps the line it could not write and close() reports it apart.
        await records.finish(first, "succeeded")
        second = await records.start("2", "cancel")  # the side file still works
        assert second != first
    finally:
        records.close()
    journal.close()
    assert len(journal.failures) == 1
    assert "cannot write the journal" in journal.failures[0]
    assert "kept in" in journal.failures[0]
    pending = pending_entries(tmp_path / "j.jsonl.inflight")
    assert [(e["subscription"], e.get("outcome")) for e in pending] == [
        ("1", "succeeded"),
        ("2", None),
    ]


async def test_a_cancelled_caller_still_waits_for_its_record(tmp_path: Path) -> None:
    journal = _SlowJournal(tmp_path / "j.jsonl")
    records = GroupCommit(journal)
    returned: list[int] = []

    async def start() -> None:
        returned.append(await records.start("1", "renew"))

    try:
        with anyio.move_on_after(0.05):
            async with anyio.create_task_group() as tg:
                tg.start_soon(start)
                await anyio.sleep(0.01)
                tg.cancel_scope.cancel()
                journal.gate.set()
    finally:
        records.close()
    # Shielded: the record was written and the task learned its handle.
    assert returned == [0]
    assert [e["subscription"] for e in pending_entries(tmp_path / "j.jsonl.inflight")] == ["1"]


async def test_on_line_hears_each_write_as_its_line_is_written(tmp_path: Path) -> None:
    # The -v write log (writelog.py) hangs here: it must see exactly the journal's line,
    # the order id of the start kept when the outcome names none.
    heard: list[dict[str, object]] = []
    records = GroupCommit(Journal(tmp_path / "j.jsonl"), on_line=lambda ln: heard.append(dict(ln)))
    try:
        first = await records.start("1", "withdraw", "91")
        second = await records.start("2", "renew", request_id="rid-2")
        await records.finish(second, "succeeded", order_id="92", correlation_id="c-2")
        await records.finish(first, "failed", message="refused")
    finally:
        records.close()
    lines = [json.loads(x) for x in (tmp_path / "j.jsonl").read_text().splitlines()]
    assert heard == lines
    assert [(ln["subscription"], ln["orderId"]) for ln in heard] == [("2", "92"), ("1", "91")]
