"""The workflows are safe by construction: pinned actions, least privilege, no injection.

zizmor and GitHub's workflow schema run in ``make lint``; these tests pin the project's own
rules, which a valid and zizmor-clean workflow could still break.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.gitops.workflows import NAMES, WORKFLOWS, load, steps, triggers

_SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
_VERSION_COMMENT = re.compile(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
# The only write scopes any job may hold: the plan comment and the drift issue; and the
# optional status page deploy (reconcile.yml's pages job only, which holds no secret).
_WRITE_SCOPES = {"pull-requests", "issues"}
_PAGES_SCOPES = {"pages", "id-token"}


def test_the_three_workflows_exist() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.y*ml")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_action_is_pinned_to_a_commit_with_its_version(name: str) -> None:
    uses = [step["uses"] for _, step in steps(load(name)) if "uses" in step]
    assert all(_SHA_PIN.match(u) for u in uses), uses
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if "uses:" in line]
    assert lines
    assert all(_VERSION_COMMENT.search(line) for line in lines), lines


@pytest.mark.parametrize("name", NAMES)
def test_least_privilege_and_concurrency(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    assert "pull_request_target" not in triggers(workflow)
    assert workflow["concurrency"]["group"]
    for job_id, job in workflow["jobs"].items():
        perms: dict[str, str] = job.get("permissions", {})
        assert isinstance(perms, dict), job_id
        assert "timeout-minutes" in job, job_id
        writes = {scope for scope, level in perms.items() if level == "write"}
        allowed = _WRITE_SCOPES | (
            _PAGES_SCOPES if (name, job_id) == ("reconcile.yml", "pages") else set()
        )
        assert writes <= allowed, (job_id, writes)
        uses_secrets = "secrets." in repr(job)
        assert not (writes and uses_secrets), f"{name}:{job_id} holds secrets and a write token"


@pytest.mark.parametrize("name", NAMES)
def test_checkout_keeps_no_credentials_and_scripts_take_no_expressions(name: str) -> None:
    for job_id, step in steps(load(name)):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False, job_id
        # Values reach scripts through env: an expression in a script is an injection risk.
        assert "${{" not in step.get("run", ""), (job_id, step.get("name"))
        assert "${{" not in step.get("with", {}).get("script", ""), (job_id, step.get("name"))


def test_plan_workflow_shape() -> None:
    workflow = load("plan.yml")
    on = triggers(workflow)
    assert list(on) == ["pull_request"]
    assert on["pull_request"]["paths"] == ["specs/**"]
    assert workflow["concurrency"]["cancel-in-progress"] is True
    jobs = workflow["jobs"]
    assert jobs["plan"]["permissions"] == {"contents": "read"}
    assert jobs["comment"]["permissions"] == {"pull-requests": "write"}
    assert "steps" in jobs["comment"]
    assert not any("checkout" in s.get("uses", "") for s in jobs["comment"]["steps"])
    plan_env: dict[str, Any] = next(s for s in jobs["plan"]["steps"] if s.get("id") == "plan")[
        "env"
    ]
    assert plan_env == {
        "SUBCTL_API_URL": "${{ secrets.SUBCTL_API_URL }}",
        "SUBCTL_USERNAME": "${{ secrets.SUBCTL_RO_USERNAME }}",
        "SUBCTL_PASSWORD": "${{ secrets.SUBCTL_RO_PASSWORD }}",
        "SUBCTL_SUBSCRIPTION_KEY": "${{ secrets.SUBCTL_SUBSCRIPTION_KEY }}",
    }
    upload = next(s for s in jobs["plan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    # the reviewed plan, found after merge by the pull request's head commit
    assert upload["with"]["name"] == "subctl-plan-${{ github.event.pull_request.head.sha }}"
    assert "plan.json" in upload["with"]["path"].split()
    script = jobs["comment"]["steps"][0]["with"]["script"]
    assert "<!-- subctl-plan -->" in script
    assert "updateComment" in script


def test_reconcile_workflow_shape() -> None:
    workflow = load("reconcile.yml")
    on = triggers(workflow)
    assert set(on) == {"push", "schedule", "workflow_dispatch"}
    assert on["push"] == {"branches": ["main"], "paths": ["specs/**"]}
    assert on["schedule"][0]["cron"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    jobs = workflow["jobs"]
    # read-only: find the merged pull request and download its reviewed plan
    assert jobs["apply"]["permissions"] == {
        "contents": "read",
        "pull-requests": "read",
        "actions": "read",
    }
    assert jobs["drift-issue"]["permissions"] == {"issues": "write"}
    upload = next(s for s in jobs["apply"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert upload["if"] == "${{ always() }}"
    assert set(upload["with"]["path"].split()) == {
        "journal.jsonl",
        "result.json",
        "summary.json",
        "stale-summary.json",
    }
    find = next(s for s in jobs["apply"]["steps"] if s.get("id") == "reviewed")
    assert find["if"] == "${{ github.event_name == 'push' }}"  # scheduled runs plan afresh
    assert "secrets." not in repr(find)  # the token to read artifacts, no marketplace secret
    script = jobs["drift-issue"]["steps"][0]["with"]["script"]
    assert "subctl-drift" in script
    assert "state: 'closed'" in script
    # The status page is an artifact of every run; Pages only when the variable says so.
    kept = [s for s in jobs["apply"]["steps"] if s.get("with", {}).get("path") == "site/"]
    assert [s["uses"].split("@")[0] for s in kept] == [
        "actions/upload-artifact",
        "actions/upload-pages-artifact",
    ]
    assert "vars.SUBCTL_STATUS_PAGES == 'true'" in kept[1]["if"]
    assert "vars.SUBCTL_STATUS_PAGES == 'true'" in jobs["pages"]["if"]
    assert jobs["pages"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "secrets." not in repr(jobs["pages"])
    notify = next(s for s in jobs["apply"]["steps"] if s.get("name", "").startswith("Notify"))
    assert notify["continue-on-error"] is True
    assert notify["env"]["SUBCTL_NOTIFY_URLS"] == "${{ secrets.SUBCTL_NOTIFY_URLS }}"
