"""``apply --plan FILE`` over a real loopback sandbox: the file is checked, never trusted.

Issue 13 (apply exactly the reviewed plan, no PATHS needed) and issue 16 (a hand-edited
plan cancelled a protected subscription and an undeclared one of another customer, and a
plan made against server A ran against server B). Each refusal exits 3, writes nothing,
and names its kind in ``--summary`` (the merge workflow re-plans on ``stale-plan`` only).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from controller.marketplace.models import Subscription
from controller.plan.fingerprint import fingerprint
from tests.e2e.conftest import StartServer
from tests.e2e.harness import Server, sub, subctl, write_specs

SEED: dict[str, Any] = {
    "subscriptions": [
        sub("301"),  # protected
        sub("302", renew=False),  # the one change: enable auto-renew
        sub("303", customer="1000999"),  # another customer's, not declared
    ],
    "orders": [],
}
ENTRIES: list[dict[str, Any]] = [
    {"id": "301", "state": "active", "autoRenew": True, "protected": True},
    {"id": "302", "state": "active", "autoRenew": True},
]
CANCEL_STEPS = [
    {"action": "cancel", "customerId": "{c}", "description": "cancel", "reason": "gone"},
    {"action": "approve", "customerId": "{c}", "description": "approve"},
]


def _live(server: Server) -> dict[str, Any]:
    api = server.api()
    return {
        sid: (api.subscription(sid)["renewalStatus"], len(api.orders(sid)))
        for sid in ("301", "302", "303")
    }


def _plan(server: Server, out: str = "plan.json") -> dict[str, Any]:
    write_specs(Path("specs"), "acme", ENTRIES)
    made = subctl(server, "plan", "specs", "--out", out)
    assert made.code == 0, made.stderr
    return dict(json.loads(Path(out).read_text(encoding="utf-8")))


def _refused(server: Server, *args: str) -> tuple[str, dict[str, Any]]:
    before = _live(server)
    result = subctl(server, "apply", "--yes", "--summary", "summary.json", *args)
    assert result.code == 3, result.stdout + result.stderr
    assert _live(server) == before  # nothing written
    assert "Traceback" not in result.stderr
    return result.stderr, json.loads(Path("summary.json").read_text(encoding="utf-8"))


def _forged_fingerprint(server: Server, sub_id: str) -> str:
    """What an attacker computes from live data so that a fingerprint check alone passes."""
    live = Subscription.model_validate(server.api().subscription(sub_id))
    return fingerprint(live, ())


def _cancel_steps(sub_id: str, customer: str) -> list[dict[str, Any]]:
    return [{**step, "subscriptionId": sub_id, "customerId": customer} for step in CANCEL_STEPS]


def test_apply_plan_needs_no_paths_and_applies_the_reviewed_steps(
    sandbox: StartServer,
) -> None:
    server = sandbox(SEED)
    saved = _plan(server)
    assert saved["specPaths"] == ["specs"]
    assert saved["specDigest"].startswith("sha256:")
    result = subctl(server, "apply", "--yes", "--plan", "plan.json", "--format", "json")
    assert result.code == 0, result.stderr
    outcomes = [(o["subscriptionId"], o["action"]) for o in result.json()["outcomes"]]
    assert outcomes == [("302", "set-auto-renew")]
    assert server.api().subscription("302")["renewalStatus"] is True


def test_specs_changed_since_the_plan_is_refused(sandbox: StartServer) -> None:
    server = sandbox(SEED)
    _plan(server)
    spec = Path("specs/acme.yaml")
    spec.write_text(spec.read_text(encoding="utf-8") + "# edited after review\n")
    stderr, summary = _refused(server, "--plan", "plan.json")
    assert "specs changed since the plan" in stderr
    assert summary["refusal"] == "specs-changed"


def test_hand_edited_step_cannot_cancel_a_protected_subscription(sandbox: StartServer) -> None:
    server = sandbox(SEED)
    saved = _plan(server)
    for entry in saved["subscriptions"]:
        if entry["id"] == "301":
            entry["steps"] = _cancel_steps("301", "1000275")
            entry["status"] = "change"
            entry["fingerprint"] = _forged_fingerprint(server, "301")
    Path("plan.json").write_text(json.dumps(saved), encoding="utf-8")
    stderr, summary = _refused(server, "specs", "--plan", "plan.json")
    assert "stale plan" in stderr
    assert "301" in stderr
    assert summary["refusal"] == "stale-plan"
    assert server.api().orders("301") == []


def test_hand_edited_plan_cannot_touch_an_undeclared_subscription(sandbox: StartServer) -> None:
    server = sandbox(SEED)
    saved = _plan(server)
    saved["subscriptions"].append(
        {
            "id": "303",
            "customerId": "1000999",
            "source": "specs/acme.yaml:1",
            "desiredState": "cancelled",
            "steps": _cancel_steps("303", "1000999"),
            "status": "change",
            "fingerprint": _forged_fingerprint(server, "303"),
        }
    )
    Path("plan.json").write_text(json.dumps(saved), encoding="utf-8")
    stderr, summary = _refused(server, "specs", "--plan", "plan.json")
    assert "303" in stderr
    assert summary["refusal"] == "stale-plan"
    assert server.api().orders("303") == []


def test_a_plan_made_against_server_a_is_refused_on_server_b(sandbox: StartServer) -> None:
    server_a = sandbox(SEED)
    server_b = sandbox(SEED)
    _plan(server_a)
    stderr, summary = _refused(server_b, "specs", "--plan", "plan.json")
    assert f"the plan was made against {server_a.url}, this run targets {server_b.url}" in stderr
    assert summary["refusal"] == "target-mismatch"
    assert server_b.api().subscription("302")["renewalStatus"] is False


def test_live_change_since_the_plan_is_stale(sandbox: StartServer) -> None:
    server = sandbox(SEED)
    _plan(server)
    server.api().patch("/subscriptions/301", {"renewalStatus": False})  # someone acts
    stderr, summary = _refused(server, "--plan", "plan.json")
    assert "stale plan" in stderr
    assert summary["refusal"] == "stale-plan"


def test_guard_limits_of_this_run_apply_to_a_saved_plan(sandbox: StartServer) -> None:
    server = sandbox(SEED)
    _plan(server)
    # The reviewed plan cancels nothing, so only a cap on this run can refuse it: here
    # a cost cap, since the renewal-free plan spends nothing, passes.
    ok = subctl(server, "apply", "--yes", "--plan", "plan.json", "--max-cost", "0", "GBP")
    assert ok.code == 0, ok.stderr
