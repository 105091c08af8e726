"""``--only ID`` / ``--customer ID`` (issue 14): partial plans and applies, end to end
over a loopback sandbox, and the pure restriction of a plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from controller.plan.targeting import restrict
from tests.e2e.conftest import StartServer
from tests.e2e.harness import Server, sub, subctl, write_specs
from tests.report.plans import every_rule_plan

SEED: dict[str, Any] = {
    "subscriptions": [
        sub("201", renew=False),
        sub("202"),
        sub("203", renew=False, customer="1000999"),
        sub("204"),  # not declared: unmanaged
    ]
}
ENTRIES = [
    {"id": "201", "state": "active", "autoRenew": True},
    {"id": "202", "state": "active", "autoRenew": False},
    {"id": "203", "state": "active", "autoRenew": True},
]


@pytest.fixture
def world(sandbox: StartServer, tmp_path: Path) -> tuple[Server, Path]:
    return sandbox(SEED), write_specs(tmp_path / "specs", "acme", ENTRIES)


def _renewal_status(server: Server) -> dict[str, bool]:
    api = server.api()
    return {i: api.subscription(i)["renewalStatus"] for i in ("201", "202", "203")}


def test_plan_only_is_partial_and_recorded(world: tuple[Server, Path]) -> None:
    server, specs = world
    result = subctl(server, "plan", str(specs), "--only", "201", "--format", "json")
    assert result.code == 0, result.stderr
    plan = result.json()
    assert [s["id"] for s in plan["subscriptions"]] == ["201"]
    assert plan["targeting"] == {"only": ["201"], "customers": [], "notTargeted": 2}
    assert plan["totals"]["changes"] == 1
    assert plan["unmanagedCount"] == 1  # 204 only: the untargeted declared ones are not
    text = subctl(server, "plan", str(specs), "--only", "201")
    assert "PARTIAL PLAN: targeted with --only 201; 2 declared subscriptions not targeted" in (
        text.stdout
    )
    assert "2 not targeted" in text.stdout
    summary = specs.parent / "summary.json"
    assert subctl(server, "plan", str(specs), "--only", "201", "--summary", str(summary)).code == 0
    assert json.loads(summary.read_text(encoding="utf-8"))["targeting"]["notTargeted"] == 2
    markdown = subctl(server, "plan", str(specs), "--customer", "1000999", "--format", "markdown")
    assert "PARTIAL PLAN: targeted with --customer 1000999" in markdown.stdout


def test_apply_touches_only_the_targeted(world: tuple[Server, Path]) -> None:
    server, specs = world
    result = subctl(server, "apply", str(specs), "--only", "201", "--customer", "1000999", "--yes")
    assert result.code == 0, result.stderr
    assert "PARTIAL PLAN" in result.stdout
    assert _renewal_status(server) == {"201": True, "202": True, "203": True}  # 202 untouched


def test_saved_plan_keeps_its_targeting(world: tuple[Server, Path], tmp_path: Path) -> None:
    server, specs = world
    saved = tmp_path / "p.json"
    assert subctl(server, "plan", str(specs), "--only", "202", "--out", str(saved)).code == 0
    mixed = subctl(server, "apply", str(specs), "--plan", str(saved), "--only", "201", "--yes")
    assert mixed.code == 1
    assert "cannot be combined with --plan" in mixed.stderr
    result = subctl(server, "apply", str(specs), "--plan", str(saved), "--yes", "--format", "json")
    assert result.code == 0, result.stderr
    assert result.json()["plan"]["targeting"]["only"] == ["202"]
    assert _renewal_status(server) == {"201": False, "202": False, "203": False}


def test_an_undeclared_only_id_is_refused_before_any_call(world: tuple[Server, Path]) -> None:
    server, specs = world
    result = subctl(server, "plan", str(specs), "--only", "999")
    assert result.code == 1
    assert "--only 999: not declared" in result.stderr
    assert "Traceback" not in result.stderr


def test_restrict_keeps_what_concerns_the_targets() -> None:
    plan = every_rule_plan()
    part = restrict(plan, only=["112", "121"])
    assert [s.id for s in part.subscriptions] == ["112", "121"]
    assert [e.subscriptionId for e in part.errors] == ["121"]
    assert part.totals.byAction == {"renew": 1}
    assert part.totals.cost == {"GBP": "211.50"}
    assert part.totals.errors == 1
    assert part.targeting is not None
    assert part.targeting.notTargeted == len(plan.subscriptions) - 2
    assert json.loads(part.to_json())["targeting"]["only"] == ["112", "121"]
    assert restrict(plan) is plan  # no targets: the full plan, no targeting recorded
    assert "targeting" not in json.loads(plan.to_json())
