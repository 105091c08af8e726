"""The exact subctl commands the workflows run, against a loopback sandbox, and the
outputs later steps read: the PR comment's markdown, ``summary.json``, ``result.json`` and
the journal. The commands are read from the workflow files, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from controller.plan.model import Action
from controller.report.markdown import PLAN_MARKER
from tests.e2e.conftest import StartServer
from tests.e2e.harness import KEY, PASSWORD, Result, Server, lines, order, sub, subctl, write_specs
from tests.gitops.workflows import load, subctl_commands

PLAN_COMMANDS = [
    ["validate", "specs/"],
    [
        "plan",
        "specs/",
        "--format",
        "markdown",
        "--summary",
        "summary.json",
        "--out",
        "plan.json",
        "--detailed-exitcode",
    ],
]
APPLY_COMMANDS = [
    # after merge, the reviewed plan (checked against a fresh one) ...
    [
        "apply", "specs/", "--plan", "reviewed-plan.json", "--yes", "--journal", "journal.jsonl",
        "--format", "json", "--summary", "summary.json",
    ],
    # ... else (none, or stale) and on schedule: a fresh plan
    [
        "apply", "specs/", "--yes", "--journal", "journal.jsonl",
        "--format", "json", "--summary", "summary.json",
    ],
]  # fmt: skip
FRESH = APPLY_COMMANDS[1]
# After the apply, in the same job: the status page, then the notification.
AFTER_APPLY_COMMANDS = [
    ["status", "specs/", "--html", "site", "--journal", "journal.jsonl"],
    [
        "notify",
        "--result",
        "result.json",
        "--summary",
        "summary.json",
        "--journal",
        "journal.jsonl",
    ],
]
SEED: dict[str, Any] = {
    "subscriptions": [
        sub("401", renew=False),
        sub("402", price="70.50"),
        sub("403", renew=False),
        sub("404", renew=False),
        sub("405", customer="1000999"),  # unmanaged
    ],
    "orders": [order("9404", "404")],
}
ENTRIES: list[dict[str, Any]] = [
    {"id": "401", "state": "active", "autoRenew": True},
    {"id": "402", "state": "active", "autoRenew": True, "renewThrough": "2028-03-31"},
    {"id": "403", "state": "cancelled", "cancellation": {"reason": "Customer moved away"}},
    {"id": "404", "state": "cancelled", "cancellation": {"reason": "Customer moved away"}},
]


def _run(server: Server, command: list[str]) -> Result:
    # The workflows redirect stdout to a file; the click runner hands it back instead.
    return subctl(server, *command)


def _secret_free(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text
        assert KEY not in text


def test_workflows_run_these_commands() -> None:
    assert subctl_commands(load("plan.yml")) == PLAN_COMMANDS
    assert subctl_commands(load("reconcile.yml")) == APPLY_COMMANDS + AFTER_APPLY_COMMANDS
    assert subctl_commands(load("ci.yml")) == []


def test_pull_request_plan_then_reconcile(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED, "--vendor-delay", "600")
    write_specs(tmp_path / "specs", "acme", ENTRIES, customerId="1000275")
    validate, plan = (_run(server, c) for c in PLAN_COMMANDS)
    assert validate.code == 0, validate.stderr
    assert plan.code == 2, plan.stderr  # --detailed-exitcode: changes
    markdown = plan.stdout
    assert markdown.splitlines()[0] == PLAN_MARKER
    assert len(markdown) < 60_000
    heading = markdown.splitlines()[1]
    assert "5 to change (2 approve, 1 cancel, 1 renew, 1 set-auto-renew)" in heading, heading
    assert "1 unmanaged" in heading
    assert "cost 70.50 GBP" in heading
    summary = json.loads(Path("summary.json").read_text(encoding="utf-8"))
    assert summary["has_changes"] is True
    assert set(summary["counts"]) == {a.value for a in Action}
    assert summary["counts"]["set-auto-renew"] == 1
    assert summary["counts"]["renew"] == 1
    assert summary["counts"]["cancel"] == 1
    assert summary["counts"]["approve"] == 2
    assert summary["counts"]["withdraw"] == 0
    assert summary["errors"] == []
    assert summary["guard_refusals"] == []
    assert summary["unmanaged"] == 1

    # After merge: the reviewed plan, renamed as the merge workflow downloads it.
    Path("plan.json").rename("reviewed-plan.json")
    apply = _run(server, APPLY_COMMANDS[0])
    assert apply.code == 0, apply.stderr
    result = apply.json()
    assert result["formatVersion"] == 1
    applied = json.loads(Path("summary.json").read_text(encoding="utf-8"))
    assert applied["ok"] is True
    # Approved cancellations are written and then with the vendor: in progress, not failed.
    assert (applied["succeeded"], applied["in_progress"]) == (3, 2)
    assert applied["failed"] == 0
    journal = list(lines(Path("journal.jsonl")))
    assert sorted(e["action"] for e in journal) == [
        "approve", "approve", "cancel", "renew", "set-auto-renew",
    ]  # fmt: skip
    assert all(e["outcome"] == "succeeded" and e["correlationId"] for e in journal)
    _secret_free(markdown, apply.stdout, apply.stderr, Path("journal.jsonl").read_text())

    # The next scheduled run finds nothing to do: the drift issue would be closed.
    again = _run(server, FRESH)
    assert again.code == 0
    clean = json.loads(Path("summary.json").read_text(encoding="utf-8"))
    assert clean["has_changes"] is False
    assert (clean["errors"], clean["guard_refusals"], clean["drift"]) == ([], [], 0)
    assert clean["plan_in_progress"] == 2  # the vendor is still cancelling: not drift
    assert len(list(lines(Path("journal.jsonl")))) == len(journal)
    plan_again = _run(server, PLAN_COMMANDS[1])
    assert "No changes" in plan_again.stdout


@pytest.mark.parametrize(
    ("entries", "plan_code", "apply_code", "key"),
    [
        ([{"id": "499", "state": "active", "autoRenew": True}], 1, 1, "errors"),
        (
            [{"id": "401", "state": "active", "autoRenew": True, "mode": "observe"}],
            0,
            0,
            "drift",
        ),
    ],
)
def test_what_the_drift_issue_reads(
    sandbox: StartServer,
    tmp_path: Path,
    entries: list[dict[str, Any]],
    plan_code: int,
    apply_code: int,
    key: str,
) -> None:
    server = sandbox(SEED)
    write_specs(tmp_path / "specs", "acme", entries)
    plan = _run(server, PLAN_COMMANDS[1])
    assert plan.code == plan_code
    assert plan.stdout.startswith(PLAN_MARKER)
    apply = _run(server, FRESH)
    assert apply.code == apply_code
    summary = json.loads(Path("summary.json").read_text(encoding="utf-8"))
    assert summary[key]  # a non-empty error list, or a drift count: the issue opens
    assert json.loads(apply.stdout)["formatVersion"] == 1


def test_guard_refusal_is_in_the_summary(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    cancel = {"state": "cancelled", "cancellation": {"reason": "Closing down"}}
    write_specs(tmp_path / "specs", "acme", [{"id": s, **cancel} for s in ("401", "402", "403")])
    refused = _run(server, [*FRESH, "--max-cancellations", "2"])
    assert refused.code == 3
    summary = json.loads(Path("summary.json").read_text(encoding="utf-8"))
    assert summary["guard_refusals"]
    assert "max-cancellations" in summary["guard_refusals"][0]
    assert summary["refusal"] == "max-cancellations"  # not stale: no fresh re-plan
    assert not Path("journal.jsonl").exists()  # refused before any write
