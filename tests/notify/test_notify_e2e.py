"""Notifications end to end: a real apply over a loopback sandbox posts its outcome to a
local HTTP receiver (plain webhook, apprise json://, apprise Slack), and the document
holds what a watcher needs (errors, drift reverted, stuck orders, renewals due, money
spent) and never a credential."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import StartServer
from tests.e2e.harness import KEY, PASSWORD, USER, order, sub, subctl, write_specs
from tests.notify.receiver import receiver

OLD = "2026-01-01T00:00:00Z"  # far older than --stuck-after 72h
SOON = (dt.date.today() + dt.timedelta(days=7)).isoformat()
SLACK_URL = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"

SEED: dict[str, Any] = {
    "subscriptions": [
        sub("201", renew=False),  # drift: auto-renew turned off in the portal
        sub("202"),  # drift: a cancellation that git no longer wants
        sub("203", price="70.50"),  # renewed twice by this run
        sub("204", expiry=SOON),  # renews within --warn-days
        sub("205"),  # its cancellation is stuck at the vendor
        sub("299", customer="1000999"),  # unmanaged
    ],
    "orders": [
        order("9202", "202"),
        order("9205", "205", code="AP", created=OLD),
    ],
}
ACTIVE = {"state": "active", "autoRenew": True}
ENTRIES: list[dict[str, Any]] = [
    {"id": "201", **ACTIVE},
    {"id": "202", **ACTIVE},
    {"id": "203", **ACTIVE, "renewThrough": "2028-04-01"},
    {"id": "204", **ACTIVE},
    {"id": "205", "state": "cancelled", "cancellation": {"reason": "Customer moved away"}},
    {"id": "206", **ACTIVE},  # not in the marketplace: an error
]


def _apply(server: Any, specs: Path, *extra: str) -> Any:
    return subctl(server, "apply", str(specs), "--yes", "--journal", "journal.jsonl", *extra)


def _no_secrets(raw: bytes) -> None:
    text = raw.decode("utf-8")
    assert PASSWORD not in text
    assert KEY not in text
    assert "Bearer" not in text


def test_apply_notify_posts_the_outcome(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    specs = write_specs(tmp_path / "specs", "watched", ENTRIES)
    with receiver() as rec:
        result = _apply(
            server,
            specs,
            "--format",
            "json",
            "--notify",
            rec.url + "/hook",
            "--notify",
            rec.url.replace("http://", "json://") + "/apprise",
        )
    assert result.code == 1, result.stderr  # 206 is an error; the notification changes nothing
    assert "notification" not in result.stderr
    [hook] = rec.on("/hook")
    [chat] = rec.on("/apprise")
    assert hook.headers["Content-Type"] == "application/json"
    doc = hook.json()
    assert (doc["formatVersion"], doc["kind"], doc["command"]) == (1, "subctl.run", "apply")
    assert doc["target"] == server.url
    assert doc["revision"] == "0123456789abcdef0123456789abcdef01234567"
    assert doc["ok"] is False
    assert [(e["subscriptionId"], e["code"]) for e in doc["errors"]] == [("206", "not-found")]
    reverted = {d["subscriptionId"]: d["action"] for d in doc["driftReverted"]}
    assert reverted == {"201": "set-auto-renew", "202": "withdraw"}
    assert [(s["subscriptionId"], s["orderId"]) for s in doc["stuck"]] == [("205", "9205")]
    assert [(r["subscriptionId"], r["date"], r["days"]) for r in doc["renewalsDue"]] == [
        ("204", SOON, 7)
    ]
    # Two renewal orders at 70.50, counted from the journal lines of this run.
    assert (doc["spent"], doc["spentFrom"]) == ({"GBP": "141.00"}, "journal")
    assert doc["counts"]["driftReverted"] == 2
    assert doc["counts"]["unmanaged"] == 1
    # apprise's json:// carries the chat message written from the same document.
    message = chat.json()
    assert message["title"].endswith(": 1 error(s)")
    for expected in ("Drift reverted", "`201` set-auto-renew", "`202` withdraw", "9205",
                     "`204` on " + SOON, "spent 141.00 GBP", "`206` not-found"):  # fmt: skip
        assert expected in message["message"], expected
    for post in rec.posts:
        _no_secrets(post.body)


def test_a_failed_notification_never_changes_the_exit_code(
    sandbox: StartServer, tmp_path: Path
) -> None:
    server = sandbox({"subscriptions": [sub("301", renew=False)]})
    specs = write_specs(tmp_path / "specs", "one", [{"id": "301", **ACTIVE}])
    with receiver() as rec:
        rec.status = 500
        result = _apply(server, specs, "--notify", rec.url + "/secret-token-path")
    assert result.code == 0, result.stderr
    assert "warning: notification to http://127.0.0.1:" in result.stderr
    assert "HTTP 500" in result.stderr
    assert "secret-token-path" not in result.stderr  # the URL's path is often its secret
    # A closed port: refused connection, still exit 0.
    again = _apply(server, specs, "--notify", "http://127.0.0.1:9/hook")
    assert again.code == 0, again.stderr


def test_a_refused_apply_is_reported(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox({"subscriptions": [sub("401"), sub("402")]})
    cancel = {"state": "cancelled", "cancellation": {"reason": "Customer moved away"}}
    specs = write_specs(
        tmp_path / "specs", "two", [{"id": "401", **cancel}, {"id": "402", **cancel}]
    )
    with receiver() as rec:
        result = _apply(server, specs, "--max-cancellations", "1", "--notify", rec.url + "/h")
    assert result.code == 3, result.stderr
    doc = rec.posts[0].json()
    assert doc["ok"] is False
    assert "--max-cancellations 1" in doc["guardRefusals"][0]


def test_notify_command_reads_the_files_of_a_run(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    specs = write_specs(tmp_path / "specs", "watched", ENTRIES)
    result = _apply(server, specs, "--format", "json", "--summary", "summary.json")
    Path("result.json").write_text(result.stdout, encoding="utf-8")
    with receiver() as rec:
        sent = subctl(
            None,
            "notify",
            rec.url + "/hook",
            "--result",
            "result.json",
            "--summary",
            "summary.json",
            "--journal",
            "journal.jsonl",
            "--warn-days",
            "3",
        )
        assert sent.code == 0, sent.stderr
        doc = rec.posts[0].json()
        assert doc["spent"] == {"GBP": "141.00"}
        assert doc["renewalsDue"] == []  # 204 renews in 7 days, beyond --warn-days 3
        assert len(doc["driftReverted"]) == 2
        # Without a result (an apply that printed nothing), the summary alone still reports.
        Path("empty.json").write_text("", encoding="utf-8")
        alone = subctl(None, "notify", rec.url + "/s", "--result", "empty.json",
                       "--summary", "summary.json")  # fmt: skip
        assert alone.code == 0, alone.stderr
        summary_doc = rec.on("/s")[0].json()
        assert summary_doc["counts"]["errors"] == 1
        assert summary_doc["errors"][0]["subscriptionId"] == "206"
        # A run that died before writing anything is still reported.
        died = subctl(None, "notify", rec.url + "/d", "--result", "gone.json",
                      "--summary", "gone-summary.json")  # fmt: skip
        assert died.code == 0, died.stderr
        assert rec.on("/d")[0].json()["errors"][0]["code"] == "no-result"
    # Nothing to deliver to: exit 1, one line.
    failed = subctl(None, "notify", "http://127.0.0.1:9/x", "--summary", "summary.json")
    assert failed.code == 1
    assert failed.stderr.count("\n") == 1, failed.stderr
    # Nothing to read at all: a usage mistake, one line.
    nothing = subctl(None, "notify", "http://127.0.0.1:9/x")
    assert nothing.code == 1
    assert "nothing to report" in nothing.stderr


def test_slack_through_apprise(
    sandbox: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """apprise's Slack plugin, pointed at the local receiver (its webhook host is a class
    attribute): the real Slack payload apprise builds from our message."""
    from apprise.plugins.slack import NotifySlack

    server = sandbox(SEED)
    specs = write_specs(tmp_path / "specs", "watched", ENTRIES)
    result = _apply(server, specs, "--format", "json")
    Path("result.json").write_text(result.stdout, encoding="utf-8")
    with receiver() as rec:
        monkeypatch.setattr(NotifySlack, "webhook_url", rec.url + "/services")
        sent = subctl(None, "notify", SLACK_URL, "--result", "result.json")
        assert sent.code == 0, sent.stderr
    [post] = rec.posts
    assert post.path == "/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7"
    text = json.dumps(post.json())
    assert "Drift reverted" in text
    assert "206" in text
    _no_secrets(post.body)


def test_unknown_and_retired_urls_fail_with_one_line(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    summary.write_text(json.dumps({"formatVersion": 1, "errors": []}), encoding="utf-8")
    for url, reason in (
        ("msteams://a/b/c", "retired; use a Teams workflow URL"),
        ("nosuchscheme://x", "not a notification URL apprise understands"),
        ("http://192.0.2.1/hook", "plain http is refused"),
    ):
        result = subctl(None, "notify", url, "--summary", str(summary))
        assert result.code == 1
        assert reason in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert USER  # the harness's credentials are the ones checked above


def test_a_run_that_cannot_reach_the_marketplace_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from controller.cli import main
    from tests.e2e.harness import env_for

    monkeypatch.chdir(tmp_path)
    specs = write_specs(tmp_path / "specs", "one", [{"id": "301", **ACTIVE}])
    env = {**env_for(None), "SUBCTL_API_URL": "http://127.0.0.1:9"}  # nothing listens
    with receiver() as rec:
        run = CliRunner().invoke(
            main, ["apply", str(specs), "--yes", "--notify", rec.url + "/h"], env=env
        )
    assert run.exit_code == 1, run.stderr
    [post] = rec.posts
    doc = post.json()
    assert doc["ok"] is False
    [error] = doc["errors"]
    assert error["code"] == "run-failed"
    assert "internal error" not in error["message"]
    _no_secrets(post.body)
