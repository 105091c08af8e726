"""The pure half of ``subctl export``: live state -> entries -> spec YAML that loads back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter

from controller.marketplace.models import Subscription
from controller.report.specfile import (
    SCHEMA_COMMENT,
    TERMINATED_REASON,
    build_export,
    entry_for,
    render_set,
    render_stream,
    scalar,
)
from controller.spec.loader import check_specs
from controller.spec.models import DesiredSubscription
from tests.plan.builders import live_sub, order


def _load(tmp_path: Path, text: str) -> dict[str, dict[str, object]]:
    path = tmp_path / "specs" / "export.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    report = check_specs([path])
    assert report.state is not None, report.problems
    kept = TypeAdapter(DesiredSubscription)
    return {
        d.id: kept.dump_python(d, exclude={"source", "setName"}) for d in report.state.subscriptions
    }


def test_entry_rules_per_live_status() -> None:
    on = entry_for(live_sub("1", renewalStatus=True))
    off = entry_for(live_sub("2", renewalStatus=False))
    assert (on.state, on.auto_renew, on.product) == ("active", True, "Comms Care")
    assert (off.state, off.auto_renew) == ("active", False)
    for status in ("terminated", "removed"):
        gone = entry_for(live_sub("3", status=status, renewalStatus=True))
        assert (gone.state, gone.auto_renew, gone.reason) == ("cancelled", None, TERMINATED_REASON)
    pending = entry_for(live_sub("4", status="pending", renewalStatus=False))
    assert (pending.state, pending.auto_renew, pending.observe) == ("active", False, False)
    assert pending.comment is not None
    assert "pending" in pending.comment
    hold = entry_for(live_sub("5", status="hold"))
    assert (hold.state, hold.observe) == ("active", True)
    assert hold.comment is not None
    assert "hold" in hold.comment


def test_open_cancellation_becomes_manual_cancelled() -> None:
    portal = order("77", "6", by_subctl=False, code="PA")
    entry = entry_for(live_sub("6"), [portal])
    assert (entry.state, entry.manual, entry.auto_renew) == ("cancelled", True, None)
    assert entry.reason is not None
    assert "77" in entry.reason  # the builder's order has no reason: the fallback names it
    assert entry.comment is not None
    assert "77" in entry.comment
    done = order("78", "7", status="completed", code="CP")
    assert entry_for(live_sub("7"), [done]).state == "active"  # only open orders count


def test_sets_group_by_customer_and_sort_ids_numerically() -> None:
    subs = [
        live_sub("100", customerId="20"),
        live_sub("9", customerId="20"),
        live_sub("55", customerId="3"),
        live_sub("x1", customerId="3"),
    ]
    exported = build_export(subs, {})
    assert [s.name for s in exported.sets] == ["customer-3", "customer-20"]
    assert [e.id for e in exported.sets[1].entries] == ["9", "100"]
    assert exported.count == 3
    assert len(exported.notes) == 1
    assert "x1" in exported.notes[0]


@pytest.mark.parametrize(
    "value",
    [
        "Comms Care",
        "true",
        "No",
        "null",
        "123",
        "1e3",
        "a: b",
        "# not a comment",
        "- dash",
        "quote\" and 'single'",
        "line\nbreak",
        "tab\tand\u2028separator",
        "Café ünïcode",
        "trailing ",
        "{flow}",
        "*alias",
        "&anchor",
        "!tag",
        "%directive",
        "@at",
        "`tick",
    ],
)
def test_scalar_reads_back_as_the_same_string(value: str) -> None:
    assert yaml.safe_load(f"k: {scalar(value)}\n") == {"k": value}


def test_rendered_file_loads_back_exactly(tmp_path: Path) -> None:
    subs: list[Subscription] = [
        live_sub("1000178", renewalStatus=False),
        live_sub("1000177", name='Odd: "name" # true'),
        live_sub("1000179", status="terminated"),
        live_sub("1000180", status="hold", renewalStatus=False),
        live_sub("1000181", name=""),
    ]
    (cset,) = build_export(subs, {}).sets
    text = render_set(cset)
    assert text.splitlines()[0] == SCHEMA_COMMENT
    doc = yaml.safe_load(text)
    assert doc["metadata"]["name"] == "customer-1000275"
    assert doc["defaults"] == {"customerId": "1000275"}
    loaded = _load(tmp_path, text)
    assert list(loaded) == ["1000177", "1000178", "1000179", "1000180", "1000181"]
    assert loaded["1000177"]["product"] == 'Odd: "name" # true'
    assert loaded["1000177"]["autoRenew"] is True
    assert loaded["1000178"]["autoRenew"] is False
    assert loaded["1000179"]["state"] == "cancelled"
    assert loaded["1000180"]["mode"] == "observe"
    assert loaded["1000181"]["product"] is None
    assert all(d["customerId"] == "1000275" for d in loaded.values())


def test_stream_holds_every_set_as_one_document_each(tmp_path: Path) -> None:
    subs = [live_sub("1", customerId="10"), live_sub("2", customerId="11")]
    stream = render_stream(build_export(subs, {}).sets)
    assert [d["metadata"]["name"] for d in yaml.safe_load_all(stream)] == [
        "customer-10",
        "customer-11",
    ]
    assert set(_load(tmp_path, stream)) == {"1", "2"}
