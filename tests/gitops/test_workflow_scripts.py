"""The workflows' own glue, executed: each `run:` script under bash (as GitHub runs it)
against a loopback sandbox, and each github-script under node against a fake GitHub API.

The outputs of one job feed the next exactly as the workflow wires them: the plan step's
``markdown`` output becomes the comment, the apply step's ``code`` and ``summary`` decide
whether the drift issue is opened, updated or closed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from controller.report.markdown import PLAN_MARKER
from tests.e2e.conftest import StartServer
from tests.e2e.harness import (
    KEY,
    PASSWORD,
    Server,
    env_for,
    sub,
    subctl,
    write_specs,
)
from tests.gitops.workflows import load
from tests.support.served import process_env

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")
SEED: dict[str, Any] = {"subscriptions": [sub("501", renew=False), sub("502")]}
GOOD = [{"id": "501", "state": "active", "autoRenew": True}]
BAD = [{"id": "599", "state": "active", "autoRenew": True}]  # not in the marketplace


def _step(workflow: str, job: str, key: str, value: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = load(workflow)["jobs"][job]["steps"]
    return next(s for s in steps if s.get(key) == value)


def _outputs(path: Path) -> dict[str, str]:
    """Parse a $GITHUB_OUTPUT file: ``k=v`` lines and ``k<<DELIM`` blocks."""
    found: dict[str, str] = {}
    lines = iter(path.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delim = line.split("<<", 1)
            block: list[str] = []
            for inner in lines:
                if inner == delim:
                    break
                block.append(inner)
            else:
                raise AssertionError(f"unterminated output {key!r}")
            found[key] = "\n".join(block)
        else:
            key, _, value = line.partition("=")
            found[key] = value
    return found


def _run_step(
    step: dict[str, Any], server: Server | None, cwd: Path, extra: dict[str, str] | None = None
) -> dict[str, str]:
    bin_dir = cwd / "bin"
    bin_dir.mkdir(exist_ok=True)
    shim = bin_dir / "subctl"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m controller "$@"\n')
    shim.chmod(0o755)
    (bin_dir / "python").unlink(missing_ok=True)
    (bin_dir / "python").symlink_to(sys.executable)
    out, summary = cwd / "github_output", cwd / "step_summary"
    out.write_text("")
    env = process_env(env_for(server))
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}",
        GITHUB_OUTPUT=str(out),
        GITHUB_STEP_SUMMARY=str(summary),
        CI="true",
    )
    env.update(extra or {})  # the step's `env:` values that the workflow wires in
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr  # the script records failures, never dies
    for text in (proc.stdout, proc.stderr, out.read_text()):
        assert PASSWORD not in text
        assert KEY not in text
    return _outputs(out)


def _github_script(workflow: str, job: str, env: dict[str, str], state: dict[str, Any]) -> Any:
    assert NODE is not None
    step = load(workflow)["jobs"][job]["steps"][0]
    with tempfile.TemporaryDirectory() as folder:
        script_file, state_file = Path(folder) / "script.js", Path(folder) / "state.json"
        script_file.write_text(step["with"]["script"], encoding="utf-8")
        state_file.write_text(json.dumps(state), encoding="utf-8")
        proc = subprocess.run(
            [NODE, str(HERE / "fake_github.js"), str(script_file), str(state_file)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _names(calls: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in calls]


def test_plan_step_outputs_the_comment(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    write_specs(tmp_path / "specs", "acme", GOOD)
    outputs = _run_step(_step("plan.yml", "plan", "id", "plan"), server, tmp_path)
    assert outputs["ran"] == "true"
    assert outputs["code"] == "2"  # --detailed-exitcode: changes (the check passes)
    assert json.loads((tmp_path / "plan.json").read_text())["specDigest"]
    assert outputs["markdown"].startswith(PLAN_MARKER + "\n")
    assert "1 to change" in outputs["markdown"]
    assert json.loads((tmp_path / "summary.json").read_text())["has_changes"] is True
    assert (tmp_path / "step_summary").read_text().startswith(PLAN_MARKER)
    if NODE is None:
        return
    env = {"PLAN_MARKDOWN": outputs["markdown"]}
    first = _github_script("plan.yml", "comment", env, {"comments": []})
    assert _names(first) == ["listComments", "createComment"]
    assert first[1]["params"]["body"] == outputs["markdown"]
    ours = {"id": 5, "user": {"login": "github-actions[bot]"}, "body": PLAN_MARKER + "\nold"}
    quoted = {"id": 6, "user": {"login": "someone"}, "body": PLAN_MARKER + "\nquoted"}
    again = _github_script("plan.yml", "comment", env, {"comments": [quoted, ours]})
    assert _names(again) == ["listComments", "updateComment"]
    assert again[1]["params"]["comment_id"] == 5
    human_only = _github_script("plan.yml", "comment", env, {"comments": [quoted]})
    assert _names(human_only) == ["listComments", "createComment"]


def test_plan_step_without_secrets_skips(tmp_path: Path) -> None:
    write_specs(tmp_path / "specs", "acme", GOOD)
    step = _step("plan.yml", "plan", "id", "plan")
    skipped = {**step, "run": "unset SUBCTL_API_URL\n" + step["run"]}  # a fork's pull request
    assert _run_step(skipped, None, tmp_path) == {"ran": "false"}
    assert not (tmp_path / "summary.json").exists()


def test_apply_step_feeds_the_drift_issue(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    for entries, clean in ((BAD, False), (GOOD, True)):  # a failed run, then a clean one
        write_specs(tmp_path / "specs", "acme", entries)
        outputs = _run_step(_step("reconcile.yml", "apply", "id", "apply"), server, tmp_path)
        assert outputs["code"] == ("0" if clean else "1")
        assert json.loads((tmp_path / "result.json").read_text())["formatVersion"] == 1
        summary = json.loads(outputs["summary"])
        assert summary["errors_total"] == (0 if clean else 1)
        if NODE is None:
            continue
        env = {"APPLY_EXIT": outputs["code"], "APPLY_SUMMARY": outputs["summary"]}
        issue = {"number": 3, "title": "subctl: reconcile found drift or errors"}
        with_issue = _github_script("reconcile.yml", "drift-issue", env, {"issues": [issue]})
        without = _github_script("reconcile.yml", "drift-issue", env, {"issues": []})
        if clean:
            assert _names(with_issue) == ["listForRepo", "createComment", "update"]
            assert with_issue[2]["params"]["state"] == "closed"
            assert _names(without) == ["listForRepo"]
        else:
            assert _names(with_issue) == ["listForRepo", "update"]
            assert "599" in with_issue[1]["params"]["body"]
            assert _names(without) == ["listForRepo", "getLabel", "createLabel", "create"]
            assert without[3]["params"]["labels"] == ["subctl-drift"]


def test_status_and_notify_steps(
    sandbox: StartServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.notify.receiver import receiver

    server = sandbox(SEED)
    write_specs(tmp_path / "specs", "acme", BAD)
    _run_step(_step("reconcile.yml", "apply", "id", "apply"), server, tmp_path)
    _run_step(_step("reconcile.yml", "apply", "name", "Status page (read-only)"), server, tmp_path)
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'data-subscription="599"' in page
    notify = _step("reconcile.yml", "apply", "name", "Notify (secret SUBCTL_NOTIFY_URLS)")
    # Without the secret: skipped, says so, succeeds.
    monkeypatch.delenv("SUBCTL_NOTIFY_URLS", raising=False)
    _run_step(notify, server, tmp_path)
    with receiver() as rec:
        monkeypatch.setenv("SUBCTL_NOTIFY_URLS", rec.url + "/hook")
        _run_step(notify, server, tmp_path)
    doc = rec.posts[0].json()
    assert [e["subscriptionId"] for e in doc["errors"]] == ["599"]
    assert PASSWORD not in rec.posts[0].body.decode()


@needs_node
def test_drift_issue_when_apply_never_ran() -> None:
    calls = _github_script(
        "reconcile.yml", "drift-issue", {}, {"issues": [], "labels": ["subctl-drift"]}
    )
    assert _names(calls) == ["listForRepo", "getLabel", "create"]
    assert "did not run" in calls[2]["params"]["body"]


def _apply(server: Server, cwd: Path, reviewed: bool) -> dict[str, str]:
    step = _step("reconcile.yml", "apply", "id", "apply")
    extra = {"EVENT": "push", "REVIEWED": "true" if reviewed else "", "REVIEWED_HEAD": "a" * 40}
    return _run_step(step, server, cwd, extra)


def test_merge_applies_the_reviewed_plan_or_plans_afresh_when_stale(
    sandbox: StartServer, tmp_path: Path
) -> None:
    server = sandbox(SEED)
    write_specs(tmp_path / "specs", "acme", GOOD)
    summary_file = tmp_path / "step_summary"
    # fresh and still true: applied as reviewed
    assert subctl(server, "plan", "specs/", "--out", "reviewed-plan.json").code == 0
    outputs = _apply(server, tmp_path, reviewed=True)
    assert (outputs["code"], outputs["mode"]) == ("0", "reviewed")
    assert "Applied the plan reviewed on the pull request" in summary_file.read_text()
    assert server.api().subscription("501")["renewalStatus"] is True
    # stale: someone changed 501 after the review; the job plans afresh and says so
    server.api().patch("/subscriptions/501", {"renewalStatus": False})
    assert subctl(server, "plan", "specs/", "--out", "reviewed-plan.json").code == 0
    server.api().patch("/subscriptions/501", {"renewalStatus": True})
    server.api().patch("/subscriptions/502", {"renewalStatus": False})  # unmanaged drift
    outputs = _apply(server, tmp_path, reviewed=True)
    assert outputs["code"] == "0"
    assert outputs["mode"] == "fresh after a stale reviewed plan (stale-plan)"
    assert "was stale: applied a fresh plan instead" in summary_file.read_text()
    assert json.loads((tmp_path / "stale-summary.json").read_text())["refusal"] == "stale-plan"
    # no reviewed plan (a scheduled run): fresh
    outputs = _apply(server, tmp_path, reviewed=False)
    assert (outputs["code"], outputs["mode"]) == ("0", "fresh")


def test_merge_does_not_replan_around_a_guard_refusal(sandbox: StartServer, tmp_path: Path) -> None:
    server_a, server_b = sandbox(SEED), sandbox(SEED)
    write_specs(tmp_path / "specs", "acme", GOOD)
    assert subctl(server_a, "plan", "specs/", "--out", "reviewed-plan.json").code == 0
    outputs = _apply(server_b, tmp_path, reviewed=True)  # the plan was made against A
    assert (outputs["code"], outputs["mode"]) == ("3", "reviewed")
    assert json.loads(outputs["summary"])["refusal"] == "target-mismatch"
    assert server_b.api().subscription("501")["renewalStatus"] is False


FAKE_GH = """#!/bin/sh
# gh api PATH --jq EXPR: prints what the real call's jq expression would print.
case "$2" in
  */commits/*/pulls) printf '%s\\n' "$FAKE_HEAD" ;;
  *"/actions/artifacts?name=subctl-plan-$FAKE_HEAD"*) printf '%s\\n' "$FAKE_ID" ;;
  */actions/artifacts/*/zip) cat "$FAKE_ZIP" ;;
  *) exit 1 ;;
esac
"""


@pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip is not installed")
@pytest.mark.parametrize(
    ("head", "artifact", "found"),
    [("b" * 40, "7", "true"), ("", "7", "false"), ("b" * 40, "", "false"), ("x; rm", "7", "false")],
)
def test_finding_the_reviewed_plan(tmp_path: Path, head: str, artifact: str, found: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    archive = tmp_path / "artifact.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("plan.json", '{"formatVersion": 1}')
        zf.writestr("plan.md", "x")
    step = _step("reconcile.yml", "apply", "id", "reviewed")
    extra = {
        "REPO": "o/r",
        "PUSHED_SHA": "c" * 40,
        "GH_TOKEN": "t",
        "FAKE_HEAD": head,
        "FAKE_ID": artifact,
        "FAKE_ZIP": str(archive),
    }
    outputs = _run_step(step, None, tmp_path, extra)
    assert outputs["found"] == found
    if found == "true":
        assert outputs["head"] == head
        assert (tmp_path / "reviewed-plan.json").read_text() == '{"formatVersion": 1}'
