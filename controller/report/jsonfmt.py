"""Versioned JSON of plans and apply results (``--format json``, ``plan --out``).

The machine-readable end of the pipeline; the format is documented field by field in
docs/plan-format.md. It is the models' own serialisation, so it always parses back
(``Plan.model_validate_json(render_plan_json(plan)) == plan``) and a saved plan is
exactly what ``apply --plan`` executes. Stability: ``formatVersion`` comes first, object
keys follow the model's field order, maps (per-action counts, cost per currency) are
sorted, lists keep plan order (spec declaration order, itself sorted by file), absent
optional values are omitted rather than null, dates are ISO 8601, money is a string,
non-ASCII text is written as UTF-8, not escaped.
"""

from __future__ import annotations

from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult

# Serialised by pydantic-core, not json.dumps: json.dumps with indent falls back to the
# pure-Python encoder (~0.5 s for a 10,000-subscription plan) and needs the whole plan
# as a dict first (hundreds of MB at 100,000). Maps come out sorted because Totals
# sorts them on construction (controller/plan/model.py).


def render_plan_json(plan: Plan) -> str:
    return plan.to_json()


def render_apply_json(result: ApplyResult) -> str:
    return result.to_json()
