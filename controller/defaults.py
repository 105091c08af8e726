"""The defaults of the planning knobs, written once.

Read by the option table (controller/clioptions.py, what ``--help`` shows), the
orchestration (controller/reconcile.py) and the planner's inputs (plan/inputs.py,
plan/model.py), which each need a default of their own when built in code. Kept in a
module that imports nothing, so ``subctl --help`` stays light.
"""

from __future__ import annotations

WARN_DAYS = 14  # --warn-days: renewals and expiries this close are listed
STUCK_AFTER_HOURS = 72  # --stuck-after: an open order older than this is flagged
