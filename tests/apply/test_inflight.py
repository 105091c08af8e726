"""The journal's append-only in-flight file: durability order, recovery, compaction."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

from controller.apply import inflight
from controller.apply.groupcommit import GroupCommit
from controller.apply.inflight import InflightLog, pending_entries
from controller.apply.journal import OUTCOME_INTERRUPTED, Journal, JournalError
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.settings import ApiSettings, Secret
from controller.plan.inputs import PlanOptions
from controller.plan.outcome import Outcome
from controller.reconcile import ApplyOptions, apply
from controller.sandbox.embedded import BASE_URL, embedded_transport
from controller.spec.models import DesiredState, DesiredSubscription
from tests.e2e.harness import sub

Event = tuple[str, str, bytes]


@pytest.fixture
def disk_events(monkeypatch: pytest.MonkeyPatch) -> list[Event]:
    """Every os.write and os.fsync, as (call, file name, data), in the order made."""
    events: list[Event] = []
    real_write, real_fsync = os.write, os.fsync

    def name(fd: int) -> str:
        return Path(os.readlink(f"/proc/self/fd/{fd}")).name

    def write(fd: int, data: bytes) -> int:
        events.append(("write", name(fd), bytes(data)))
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        real_fsync(fd)
        events.append(("fsync", name(fd), b""))

    monkeypatch.setattr(os, "write", write)
    monkeypatch.setattr(os, "fsync", fsync)
    return events


def _files(events: list[Event]) -> list[tuple[str, str]]:
    return [(call, name) for call, name, _ in events if name != "."]


@pytest.mark.anyio
async def test_start_is_fsynced_before_it_returns_and_done_follows_the_line(
    tmp_path: Path, disk_events: list[Event]
) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.ensure_writable()
    records = GroupCommit(journal)
    handle = await records.start("1", "renew", request_id="r-1")
    # The executor sends the write once start() returns: its record must be on disk.
    assert _files(disk_events)[-2:] == [
        ("write", "j.jsonl.inflight"),
        ("fsync", "j.jsonl.inflight"),
    ]
    assert b'"requestId": "r-1"' in disk_events[-2][2]
    disk_events.clear()
    await records.finish(handle, "succeeded", order_id="5")
    records.close()
    # The outcome line is durable before the in-flight record is marked done; a crash
    # in between leaves a duplicate (interrupted after succeeded), never no record.
    assert _files(disk_events) == [
        ("write", "j.jsonl"),
        ("fsync", "j.jsonl"),
        ("write", "j.jsonl.inflight"),
    ]
    assert json.loads(disk_events[0][2])["outcome"] == "succeeded"
    assert set(json.loads(disk_events[2][2])) == {"done"}


def test_a_batch_makes_lines_durable_before_marking_them_done(
    tmp_path: Path, disk_events: list[Event]
) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.ensure_writable()
    a = journal.begin("a", "renew")
    assert journal.commit([a]) == [None]
    disk_events.clear()
    b, c = journal.begin("b", "renew"), journal.begin("c", "cancel")
    assert journal.commit([journal.end(a.handle, "succeeded"), b, c]) == [None, None, None]
    # One fsync per file for the batch: lines, fsync, then done marks and starts, fsync.
    assert _files(disk_events) == [
        ("write", "j.jsonl"),
        ("fsync", "j.jsonl"),
        ("write", "j.jsonl.inflight"),
        ("write", "j.jsonl.inflight"),
        ("write", "j.jsonl.inflight"),
        ("fsync", "j.jsonl.inflight"),
    ]
    assert [e["subscription"] for e in pending_entries(tmp_path / "j.jsonl.inflight")] == [
        "b",
        "c",
    ]


@pytest.mark.anyio
async def test_a_failed_outcome_line_leaves_the_write_pending(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    records = GroupCommit(journal)
    handle = await records.start("1", "cancel")
    path.mkdir()  # the journal cannot be opened any more
    await records.finish(handle, "succeeded")  # the line cannot be written: kept apart
    records.close()
    journal.close()
    assert "outcome of cancel 1 succeeded not recorded" in journal.failures[0]
    (entry,) = pending_entries(tmp_path / "j.jsonl.inflight")
    assert entry["subscription"] == "1"


@pytest.mark.anyio
async def test_interleaved_starts_and_dones_recover_only_the_open_ones(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    first = GroupCommit(Journal(path))
    handles = {name: await first.start(name, "set-auto-renew") for name in "abcde"}
    for name in "bd":
        await first.finish(handles[name], "succeeded")
    first.close()  # the worker only
    # killed here (no close): a, c and e were in flight
    second = Journal(path)
    assert second.recover() == 3
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(ln["subscription"], ln["outcome"]) for ln in lines] == [
        ("b", "succeeded"),
        ("d", "succeeded"),
        ("a", OUTCOME_INTERRUPTED),
        ("c", OUTCOME_INTERRUPTED),
        ("e", OUTCOME_INTERRUPTED),
    ]
    assert not (tmp_path / "j.jsonl.inflight").exists()


def test_a_record_with_no_known_key_is_damage(tmp_path: Path) -> None:
    # The rewritten format of old versions (a bare entry a line) is no longer read.
    side = tmp_path / "j.jsonl.inflight"
    side.write_text(json.dumps({"subscription": "1", "action": "renew"}) + "\n")
    with pytest.raises(ValueError, match="not an in-flight record"):
        pending_entries(side)
    # apply reports it as a journal error (one line, exit 1), never a traceback
    with pytest.raises(JournalError, match=r"j\.jsonl\.inflight: it is damaged"):
        Journal(tmp_path / "j.jsonl").recover()


def test_a_torn_last_line_is_skipped_but_other_damage_is_not(tmp_path: Path) -> None:
    side = tmp_path / "j.jsonl.inflight"
    start = json.dumps({"start": "r.1", "entry": {"subscription": "1"}})
    side.write_text(start + '\n{"start": "r.2", "ent')  # power cut mid-append
    assert pending_entries(side) == [{"subscription": "1"}]
    side.write_text('{"start": "r.2", "ent\n' + start + "\n")
    with pytest.raises(json.JSONDecodeError):
        pending_entries(side)


def test_compaction_keeps_exactly_the_pending_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inflight, "COMPACT_AFTER", 6)
    side = tmp_path / "j.jsonl.inflight"
    log = InflightLog(side)
    log.start(0, {"subscription": "kept"})
    for handle in range(1, 5):
        log.start(handle, {"subscription": str(handle)})
        log.done(handle)
        if handle == 3:  # the 6th record: rewritten down to the one pending start
            assert len(side.read_text().splitlines()) == 1
    assert [e["subscription"] for e in pending_entries(side)] == ["kept"]
    log.done(0)
    for handle in range(5, 8):
        log.start(handle, {"subscription": str(handle)})
        log.done(handle)
    # nothing in flight at the compaction point: emptied in place, then appended to
    assert len(side.read_text().splitlines()) < 6
    assert pending_entries(side) == []
    log.close()
    assert not side.exists()


def test_a_leftover_nobody_recovered_survives_a_new_log(tmp_path: Path) -> None:
    side = tmp_path / "j.jsonl.inflight"
    old = InflightLog(side)
    old.start(0, {"subscription": "old"})
    new = InflightLog(side)  # another run, same handle numbers
    new.start(0, {"subscription": "new"})
    new.done(0)
    new.close()  # something is still pending: the file stays
    assert pending_entries(side) == [{"subscription": "old"}]


@pytest.mark.anyio
async def test_a_symlink_planted_at_the_inflight_path_is_refused(tmp_path: Path) -> None:
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me\n")
    (tmp_path / "j.jsonl.inflight").symlink_to(precious)
    journal = Journal(tmp_path / "j.jsonl")
    with pytest.raises(JournalError, match="it is a symlink"):
        journal.recover()
    records = GroupCommit(journal)
    try:
        with pytest.raises(JournalError, match="it is a symlink"):
            await records.start("1", "renew")
    finally:
        records.close()
    assert precious.read_text() == "keep me\n"


def test_sigkill_leaves_a_true_record(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import asyncio, os, signal, sys
        from pathlib import Path
        from controller.apply.groupcommit import GroupCommit
        from controller.apply.journal import Journal
        async def run():
            records = GroupCommit(Journal(Path(sys.argv[1])))
            a = await records.start("a", "renew")
            await records.start("b", "cancel", request_id="rid-b")
            await records.finish(a, "succeeded", order_id="1")
            await records.start("c", "approve", "9")
            os.kill(os.getpid(), signal.SIGKILL)
        asyncio.run(run())
        """
    )
    path = tmp_path / "j.jsonl"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    assert Journal(path).recover() == 2
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(ln["subscription"], ln["outcome"]) for ln in lines] == [
        ("a", "succeeded"),
        ("b", OUTCOME_INTERRUPTED),
        ("c", OUTCOME_INTERRUPTED),
    ]
    assert lines[1]["requestId"] == "rid-b"
    assert lines[2]["orderId"] == "9"


class _Recording(httpx.AsyncBaseTransport):
    """Passes requests on, noting each write as it is sent and as its answer comes."""

    def __init__(self, inner: httpx.AsyncBaseTransport, events: list[Event]) -> None:
        self.inner = inner
        self.events = events

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        write = request.method == "PATCH"
        sub_id = request.url.path.rsplit("/", 1)[-1]
        if write:
            self.events.append(("sent", sub_id, b""))
        response = await self.inner.handle_async_request(request)
        if write:
            self.events.append(("answered", sub_id, b""))
        return response


@pytest.mark.anyio
async def test_each_write_goes_out_after_its_record_is_on_disk(
    tmp_path: Path, disk_events: list[Event]
) -> None:
    ids = [str(n) for n in range(1, 13)]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"subscriptions": [sub(i) for i in ids], "orders": []}))
    settings = ApiSettings(
        base_url=BASE_URL,
        username="sandbox",
        password=Secret("sandbox"),
        subscription_key=Secret("sandbox-key"),
        max_rate=1000.0,
    )
    desired = DesiredState(
        subscriptions=tuple(
            DesiredSubscription(
                id=i, source="s.yaml:1", setName="s", state="active", autoRenew=False
            )
            for i in ids
        )
    )
    transport = _Recording(embedded_transport(":memory:", seed=seed), disk_events)
    journal = Journal(tmp_path / "j.jsonl")
    async with httpx.AsyncClient(transport=transport) as http:
        client = MarketplaceClient(http, settings)
        result = await apply(
            client,
            desired,
            PlanOptions(now=dt.datetime.now(dt.UTC)),
            ApplyOptions(concurrency=4),
            journal,
        )
    assert all(o.outcome is Outcome.SUCCEEDED for o in result.outcomes)
    written: set[str] = set()  # start records written, not yet fsynced
    durable: set[str] = set()
    answered: set[str] = set()
    lines: set[str] = set()
    for call, name, data in disk_events:
        if (call, name) == ("write", "j.jsonl.inflight") and b'"start"' in data:
            written.add(json.loads(data)["entry"]["subscription"])
        elif (call, name) == ("fsync", "j.jsonl.inflight"):
            durable |= written
        elif call == "sent":
            assert name in durable, f"write to {name} sent before its record was fsynced"
        elif call == "answered":
            answered.add(name)
        elif (call, name) == ("write", "j.jsonl"):
            line = json.loads(data)
            assert line["subscription"] in answered, "outcome line before the answer"
            lines.add(line["subscription"])
    assert lines == set(ids)
    assert not (tmp_path / "j.jsonl.inflight").exists()
