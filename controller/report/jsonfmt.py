"""Versioned JSON of plans and apply results (``--format json``, ``plan --out``).

The machine-readable end of the pipeline; the format is documented field by field in
docs/plan-format.md. It is the models' own serialisation, so it always parses back
(``Plan.model_validate_json(render_plan_json(plan)) == plan``) and a saved plan is
exactly what ``apply --plan`` executes. Stability: ``formatVersion`` comes first, object
keys follow the model's field order, maps (per-action counts, cost per currency) are
sorted, lists keep plan order (spec declaration order, itself sorted by file), absent
optional values are omitted rather than null, dates are ISO 8601, money is a string.
"""

from __future__ import annotations

import json
from typing import Any

from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult


def _sort_totals(plan: dict[str, Any]) -> dict[str, Any]:
    totals = plan.get("totals")
    if isinstance(totals, dict):
        for key in ("byAction", "cost"):
            if isinstance(totals.get(key), dict):
                totals[key] = dict(sorted(totals[key].items()))
    return plan


def _dumps(data: dict[str, Any]) -> str:
    # ensure_ascii=False: names and reasons stay readable in artifacts; JSON is UTF-8.
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def plan_data(plan: Plan) -> dict[str, Any]:
    return _sort_totals(plan.model_dump(mode="json", exclude_none=True))


def render_plan_json(plan: Plan) -> str:
    return _dumps(plan_data(plan))


def render_apply_json(result: ApplyResult) -> str:
    data = result.model_dump(mode="json", exclude_none=True)
    data["plan"] = _sort_totals(data["plan"])
    return _dumps(data)
