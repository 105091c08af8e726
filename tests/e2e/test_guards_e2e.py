"""The run's guards from the command line: plan shows what apply would refuse and
``plan --detailed-exitcode`` exits 3 for it; apply refuses (3) before any write; the
spending caps (--max-renewal-terms, --max-cost); an empty spec tree is an error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import StartServer
from tests.e2e.harness import Server, sub, subctl, write_specs

SEED: dict[str, Any] = {
    "subscriptions": [
        sub("501", period="month", expiry="2027-01-31", price="10.00"),
        sub("502", renew=False),
        sub("503", renew=False),
        sub("504", renew=False),
    ],
    "orders": [],
}
CANCEL = {"state": "cancelled", "cancellation": {"reason": "Closing down"}}


def _orders(server: Server) -> int:
    api = server.api()
    return sum(len(api.orders(s)) for s in ("501", "502", "503", "504"))


def _specs(tmp_path: Path, through: str) -> Path:
    entries = [{"id": "501", "state": "active", "autoRenew": True, "renewThrough": through}]
    return write_specs(tmp_path / "specs", "acme", entries)


def test_a_ten_year_typo_is_shown_by_plan_and_refused_by_apply(
    sandbox: StartServer, tmp_path: Path
) -> None:
    server = sandbox(SEED)
    specs = _specs(tmp_path, "2037-01-31")  # meant 2027-12-31: 120 monthly terms
    plan = subctl(server, "plan", str(specs), "--detailed-exitcode")
    assert plan.code == 3, plan.stdout + plan.stderr
    assert "APPLY WILL REFUSE THIS PLAN" in plan.stdout
    assert "120 terms" in plan.stdout
    assert subctl(server, "plan", str(specs)).code == 0  # without the flag: the plan ran
    markdown = subctl(server, "plan", str(specs), "--format", "markdown").stdout
    assert "APPLY WILL REFUSE THIS PLAN" in "\n".join(markdown.splitlines()[:6])
    as_json = subctl(server, "plan", str(specs), "--format", "json").json()
    assert [r["kind"] for r in as_json["refusals"]] == ["max-renewal-terms"]
    applied = subctl(server, "apply", str(specs), "--yes", "--summary", "s.json")
    assert applied.code == 3
    assert "--max-renewal-terms 12" in applied.stderr
    assert json.loads(Path("s.json").read_text())["refusal"] == "max-renewal-terms"
    assert _orders(server) == 0
    # the cap is the run's to raise
    raised = subctl(server, "apply", str(specs), "--yes", "--max-renewal-terms", "120")
    assert raised.code == 0, raised.stderr
    assert server.api().subscription("501")["expirationDate"] == "2037-01-31"


def test_max_cost_refuses_the_whole_run(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    specs = _specs(tmp_path, "2027-04-30")  # 3 terms x 10.00 GBP
    over = subctl(server, "apply", str(specs), "--yes", "--max-cost", "29.99", "GBP")
    assert over.code == 3
    assert "30.00 GBP" in over.stderr
    other = subctl(server, "apply", str(specs), "--yes", "--max-cost", "1000", "EUR")
    assert other.code == 3  # GBP spent, but only EUR capped: cannot be checked
    assert "no --max-cost" in other.stderr
    plan = subctl(server, "plan", str(specs), "--detailed-exitcode", "--max-cost", "5", "gbp")
    assert plan.code == 3
    assert _orders(server) == 0
    ok = subctl(server, "apply", str(specs), "--yes", "--max-cost", "30", "GBP")
    assert ok.code == 0, ok.stderr
    assert _orders(server) == 3


@pytest.mark.parametrize(
    "args",
    [
        ["--max-cost", "ten", "GBP"],
        ["--max-cost", "-1", "GBP"],
        ["--max-cost", "10", "POUNDS"],
        ["--max-cost", "10", "GBP", "--max-cost", "20", "gbp"],
        ["--max-cost", "10"],
    ],
)
def test_bad_max_cost_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    specs = _specs(tmp_path, "2027-04-30")
    for command in ("plan", "apply"):
        result = subctl(None, command, str(specs), *args)
        assert result.code == 1, (command, result.stderr)
        assert "--max-cost" in result.stderr
        assert "Traceback" not in result.stderr


def test_plan_detailed_exitcode_order(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    cancels = write_specs(tmp_path / "c", "c", [{"id": s, **CANCEL} for s in ("502", "503", "504")])
    assert subctl(server, "plan", str(cancels), "--detailed-exitcode").code == 2
    refused = subctl(
        server, "plan", str(cancels), "--detailed-exitcode", "--max-cancellations", "2"
    )
    assert refused.code == 3
    assert "--max-cancellations 2" in refused.stdout
    summary = subctl(
        server, "plan", str(cancels), "--max-cancellations", "2", "--summary", "s.json"
    )
    assert summary.code == 0
    data = json.loads(Path("s.json").read_text())
    assert data["refusal"] == "max-cancellations"
    assert data["guard_refusals"]
    # an error wins over a refusal
    broken = write_specs(tmp_path / "b", "b", [{"id": "599", "state": "active", "autoRenew": True}])
    both = subctl(
        server,
        "plan",
        str(cancels),
        str(broken),
        "--detailed-exitcode",
        "--max-cancellations",
        "2",
    )
    assert both.code == 1


@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
def test_an_empty_or_missing_spec_tree_is_an_error(tmp_path: Path, command: str) -> None:
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "README.md").write_text("not a spec")
    for path in (empty, tmp_path / "missing"):
        result = subctl(None, command, str(path), *(["--yes"] if command == "apply" else []))
        assert result.code == 1, result.stdout + result.stderr
        assert f"no spec files found under {path}" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "valid" not in result.stdout
        assert "No changes" not in result.stdout
