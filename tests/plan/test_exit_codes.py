"""Exit codes decided next to the data: ``Plan.exit_code`` and ``ApplyResult.exit_code``
(DESIGN.md section 7, docs/plan-format.md); the CLI tests check the same codes end to end."""

from __future__ import annotations

import pytest

from controller.plan.model import Plan, Refusal, RefusalKind
from controller.plan.outcome import ApplyResult, Outcome
from tests.report.plans import apply_result, cancellations, every_rule_plan, outcome_for

REFUSAL = Refusal(kind=RefusalKind.MAX_CANCELLATIONS, message="too many")


def _no_errors(plan: Plan) -> Plan:
    return plan.model_copy(update={"errors": ()})


@pytest.mark.parametrize(
    ("detailed", "expected"), [(False, 0), (True, 2)], ids=["plain", "detailed"]
)
def test_changes_are_2_only_when_detailed(detailed: bool, expected: int) -> None:
    plan = _no_errors(cancellations(10))
    assert plan.has_changes
    assert plan.exit_code(detailed) == expected


def test_a_refusal_is_3_over_changes_when_detailed() -> None:
    plan = _no_errors(cancellations(10)).model_copy(update={"refusals": (REFUSAL,)})
    assert (plan.exit_code(True), plan.exit_code(False)) == (3, 0)


def test_errors_are_1_first() -> None:
    plan = every_rule_plan().model_copy(update={"refusals": (REFUSAL,)})
    assert plan.errors
    assert plan.has_changes
    assert (plan.exit_code(True), plan.exit_code(False)) == (1, 1)


def test_no_changes_is_0() -> None:
    plan = _no_errors(cancellations(10)).model_copy(update={"subscriptions": ()})
    assert plan.exit_code(True) == 0


def _clean(plan: Plan) -> ApplyResult:
    result = apply_result(_no_errors(plan))
    ok = tuple(outcome_for(s, Outcome.SUCCEEDED) for s in result.plan.steps)
    return result.model_copy(update={"outcomes": ok, "errors": (), "stillProcessing": ()})


def test_apply_ok_is_0_and_a_failed_step_1() -> None:
    clean = _clean(every_rule_plan())
    assert clean.exit_code() == 0
    assert apply_result(every_rule_plan()).exit_code() == 1  # a failed step


def test_apply_still_processing_or_journal_lost_is_1() -> None:
    clean = _clean(every_rule_plan())
    assert clean.model_copy(update={"stillProcessing": ("SO1",)}).exit_code() == 1
    assert clean.exit_code(journal_complete=False) == 1


def test_apply_interrupted_is_130_whatever_else() -> None:
    result = apply_result(every_rule_plan()).model_copy(update={"interrupted": True})
    assert result.exit_code() == 130
