"""``subctl apply`` end to end over a real loopback sandbox: every write rule, every
exit code, idempotence, guards, the journal, --wait, and faults on order creation."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import StartServer
from tests.e2e.harness import (
    KEY,
    PASSWORD,
    Server,
    lines,
    order,
    sub,
    subctl,
    write_specs,
)

ACTIVE = {"state": "active", "autoRenew": True}
CANCEL = {"state": "cancelled", "cancellation": {"reason": "Customer moved away"}}

SEED: dict[str, Any] = {
    "subscriptions": [
        sub("201", renew=False),
        sub("202", price="70.50"),
        sub("203"),
        sub("204"),
        sub("205"),
        sub("206", customer="1000999"),
    ],
    "orders": [order("9204", "204"), order("9205", "205")],
}
ENTRIES: list[dict[str, Any]] = [
    {"id": "201", **ACTIVE},  # set-auto-renew
    {"id": "202", **ACTIVE, "renewThrough": "2028-03-31"},  # renew one term
    {"id": "203", **CANCEL},  # cancel + approve
    {"id": "204", **CANCEL},  # approve the pending order
    {"id": "205", **ACTIVE},  # withdraw subctl's own cancellation
]


def _writes(server: Server) -> dict[str, Any]:
    api = server.api()
    return {
        sid: {
            "renewalStatus": api.subscription(sid)["renewalStatus"],
            "expirationDate": api.subscription(sid)["expirationDate"],
            "orders": sorted((o["type"], o["statusCode"]) for o in api.orders(sid)),
        }
        for sid in ("201", "202", "203", "204", "205", "206")
    }


def test_apply_converges_then_does_nothing(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED, "--vendor-delay", "600")
    specs = write_specs(tmp_path / "specs", "acme", ENTRIES)
    first = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    assert first.code == 0, first.stdout + first.stderr
    api = server.api()
    assert api.subscription("201")["renewalStatus"] is True
    assert api.subscription("202")["expirationDate"] == "2028-03-31"
    (cancel,) = [o for o in api.orders("203") if o["type"] == "cancellation"]
    assert cancel["statusCode"] == "AP"
    assert cancel["attributes"]["placedBy"] == "subctl"
    assert cancel["attributes"]["cancellationReason"] == "Customer moved away"
    assert cancel["attributes"]["specSource"].startswith(f"{specs}:")
    assert cancel["attributes"]["revision"] == "0123456789abcdef0123456789abcdef01234567"
    (renewal,) = [o for o in api.orders("202") if o["type"] == "renewal"]
    assert renewal["attributes"]["placedBy"] == "subctl"
    assert api.get("/orders/9204")["statusCode"] == "AP"
    assert api.get("/orders/9205")["statusCode"] == "CL"
    journal = list(lines(Path("j.jsonl")))
    # 203 and 204 auto-renew months from now: their cancellations leave that alone
    assert sorted(e["action"] for e in journal) == sorted(
        ["set-auto-renew", "renew", "cancel", "approve", "approve", "withdraw"]
    )
    for entry in journal:
        assert {"time", "subscription", "action", "orderId", "correlationId", "outcome"} <= set(
            entry
        )
        assert entry["outcome"] == "succeeded"
        assert entry["correlationId"]
    text = Path("j.jsonl").read_text()
    assert PASSWORD not in text
    assert KEY not in text
    before = _writes(server)
    second = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    assert second.code == 0
    assert len(list(lines(Path("j.jsonl")))) == len(journal)  # no write the second time
    assert _writes(server) == before
    again = subctl(server, "plan", str(specs), "--detailed-exitcode")
    assert again.code == 0, again.stdout


def test_guards_refuse_before_any_write(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    specs = write_specs(tmp_path / "specs", "acme", ENTRIES)
    before = _writes(server)
    no_tty = subctl(server, "apply", str(specs), "--journal", "j.jsonl")
    assert no_tty.code == 3
    assert "--yes" in no_tty.stderr
    too_many = subctl(
        server, "apply", str(specs), "--yes", "--max-cancellations", "0", "--journal", "j.jsonl"
    )
    assert too_many.code == 3
    assert "max-cancellations" in too_many.stderr
    assert _writes(server) == before
    assert not Path("j.jsonl").exists()


def test_saved_plan_applies_exactly_and_stale_is_refused(
    sandbox: StartServer, tmp_path: Path
) -> None:
    server = sandbox(SEED)
    specs = write_specs(tmp_path / "specs", "acme", ENTRIES)
    assert subctl(server, "plan", str(specs), "--out", "p1.json").code == 0
    assert subctl(server, "plan", str(specs), "--out", "p2.json").code == 0
    server.api().patch("/subscriptions/201", {"renewalStatus": True})  # someone else acts
    before = _writes(server)
    stale = subctl(server, "apply", str(specs), "--yes", "--plan", "p1.json")
    assert stale.code == 3
    assert "stale" in stale.stderr
    assert "201" in stale.stderr
    assert _writes(server) == before
    # A plan made after the change applies; the saved steps are the only writes.
    assert subctl(server, "plan", str(specs), "--out", "p3.json").code == 0
    ok = subctl(server, "apply", str(specs), "--yes", "--plan", "p3.json", "--format", "json")
    assert ok.code == 0, ok.stderr
    result = ok.json()
    assert result["formatVersion"] == 1
    assert ("201", "set-auto-renew") not in [
        (o["subscriptionId"], o["action"]) for o in result["outcomes"]
    ]
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    bad = subctl(server, "apply", str(specs), "--yes", "--plan", str(garbage))
    assert bad.code == 1
    assert "Traceback" not in bad.stderr


def test_one_error_does_not_stop_the_others(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "201", **ACTIVE},
            {"id": "299", **ACTIVE},
            {"id": "206", **ACTIVE, "customerId": "1000275"},
        ],
    )
    result = subctl(server, "apply", str(specs), "--yes")
    assert result.code == 1
    assert server.api().subscription("201")["renewalStatus"] is True
    assert "299" in result.stdout + result.stderr


def test_wait_follows_approved_cancellations(sandbox: StartServer, tmp_path: Path) -> None:
    fast = sandbox(SEED, "--vendor-delay", "1")
    specs = write_specs(tmp_path / "specs", "acme", [{"id": "203", **CANCEL}])
    done = subctl(fast, "apply", str(specs), "--yes", "--wait", "30s")
    assert done.code == 0, done.stdout + done.stderr
    assert fast.api().subscription("203")["status"] == "terminated"
    slow = sandbox(SEED, "--vendor-delay", "600")
    late = subctl(slow, "apply", str(specs), "--yes", "--wait", "1s")
    assert late.code == 1
    (order_,) = slow.api().orders("203")
    assert order_["orderNumber"] in late.stdout + late.stderr
    # without --wait, an order still processing is not an error: the next run continues
    assert subctl(slow, "apply", str(specs), "--yes").code == 0


def test_manual_approval_is_reported_not_waited_for(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED, "--vendor-delay", "600")
    manual = {"state": "cancelled", "cancellation": {"reason": "Gone", "approval": "manual"}}
    specs = write_specs(tmp_path / "specs", "acme", [{"id": "203", **manual}])
    first = subctl(server, "apply", str(specs), "--yes", "--wait", "5s")
    assert first.code == 0, first.stdout + first.stderr
    (placed,) = server.api().orders("203")
    assert placed["statusCode"] == "PA"
    second = subctl(server, "apply", str(specs), "--yes", "--wait", "5s", "--format", "json")
    assert second.code == 0
    kinds = [p["kind"] for p in second.json()["plan"]["inProgress"]]
    assert kinds == ["awaiting-manual-approval"]
    assert len(server.api().orders("203")) == 1


def test_lost_responses_on_order_creation_never_duplicate(
    sandbox: StartServer, tmp_path: Path
) -> None:
    server = sandbox(
        SEED, "--fault-rate", "1", "--fault-kinds", "commit-502", "--fault-match", "POST /orders",
        "--vendor-delay", "600",
    )  # fmt: skip
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [{"id": "202", **ACTIVE, "renewThrough": "2029-03-31"}, {"id": "203", **CANCEL}],
    )
    result = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    assert result.code == 0, result.stdout + result.stderr
    api = server.api()
    assert len([o for o in api.orders("202") if o["type"] == "renewal"]) == 2
    assert api.subscription("202")["expirationDate"] == "2029-03-31"
    assert len(api.orders("203")) == 1
    assert subctl(server, "plan", str(specs), "--detailed-exitcode").code == 0


def test_killed_after_cancel_converges_with_one_order(sandbox: StartServer, tmp_path: Path) -> None:
    # The state a run leaves when killed right after POST /orders: a subctl-placed order
    # pending approval that nobody approved, and an in-flight journal entry.
    seed = {**SEED, "orders": [order("9203", "203")]}
    server = sandbox(seed, "--vendor-delay", "600")
    specs = write_specs(tmp_path / "specs", "acme", [{"id": "203", **CANCEL}])
    entry = {
        "time": "2026-11-25T00:00:00+00:00",
        "subscription": "203",
        "action": "cancel",
        "orderId": None,
    }  # a start with no done: the in-flight log's format (controller/apply/inflight.py)
    Path("j.jsonl.inflight").write_text(json.dumps({"start": "r.0", "entry": entry}) + "\n")
    result = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    assert result.code == 0
    (only,) = server.api().orders("203")
    assert only["statusCode"] == "AP"
    journal = list(lines(Path("j.jsonl")))
    assert [(e["action"], e["outcome"]) for e in journal] == [
        ("cancel", "interrupted"),
        ("approve", "succeeded"),
    ]
    assert not Path("j.jsonl.inflight").exists()


@pytest.mark.full_only(reason="starts its own minimal-profile server: one run is enough")
def test_open_renewals_converge_over_runs(sandbox: StartServer, tmp_path: Path) -> None:
    # The real platform's renewal orders stay submitted/processing for a while (issue 12;
    # the minimal profile's --renewal-delay). Each apply places at most the next term,
    # never a second one while one is open, and the runs converge on the planned expiry.
    server = sandbox(
        {"subscriptions": [sub("301", expiry="2027-01-31", period="month")], "orders": []},
        "--renewal-delay",
        "1.5",
        profile="minimal",
    )
    specs = write_specs(
        tmp_path / "specs", "acme", [{"id": "301", **ACTIVE, "renewThrough": "2027-03-30"}]
    )
    api = server.api()
    first = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    assert first.code == 0, first.stdout + first.stderr
    again = subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
    assert again.code == 0, again.stdout + again.stderr
    assert len([o for o in api.orders("301") if o["type"] == "renewal"]) == 1  # still open
    for _ in range(20):
        time.sleep(1.0)
        subctl(server, "apply", str(specs), "--yes", "--journal", "j.jsonl")
        if api.subscription("301")["expirationDate"] == "2027-03-31":
            break
    # 31 Jan -> 28 Feb -> 31 Mar: two terms, as the plan said, and not one more
    assert api.subscription("301")["expirationDate"] == "2027-03-31"
    renewals = [o for o in api.orders("301") if o["type"] == "renewal"]
    assert len(renewals) == 2
    time.sleep(1.6)
    assert [o["statusCode"] for o in api.orders("301")] == ["CP", "CP"]
    final = subctl(server, "plan", str(specs), "--detailed-exitcode")
    assert final.code == 0, final.stdout + final.stderr
