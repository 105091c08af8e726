"""The defaults of the planning knobs, written once.

Read by the option table (controller/clioptions.py, what ``--help`` shows), the
orchestration (controller/reconcile.py), the planner's inputs (plan/inputs.py,
plan/model.py) and the guards (plan/guards.py), which each need a default of their own
when built in code. Kept in a
module that imports nothing, so ``subctl --help`` stays light.
"""

from __future__ import annotations

WARN_DAYS = 14  # --warn-days: renewals and expiries this close are listed
STUCK_AFTER_HOURS = 72  # --stuck-after: an open order older than this is flagged
# The run's guards (controller/plan/guards.py): DESIGN.md section 7 sets 5 cancellations;
# 12 renewal terms is subctl's own cap (docs/architecture.md).
MAX_CANCELLATIONS = 5
MAX_RENEWAL_TERMS = 12
