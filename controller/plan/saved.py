"""``apply --plan FILE``: a saved plan is checked against a fresh one, never executed as is.

Pure, between the planner and apply (issue 13: apply exactly what was reviewed; issue 16:
never trust the file). A saved plan is JSON anyone can edit, so apply reads the specs,
checks that they are the ones the plan was made from (``specDigest``) and that this run
targets the same marketplace (``target``), plans afresh against live state and runs only
when the fresh plan's steps equal the saved plan's steps, field by field, and the live
state of every subscription with steps is unchanged (``fingerprint``). It then executes
the fresh steps. A hand-edited step (cancel a protected subscription, touch one nobody
declared) cannot match a fresh plan, and a plan made against server A is refused on B.
"""

from __future__ import annotations

from controller.plan.model import Plan, Refusal, RefusalKind, Step, SubscriptionPlan
from controller.plan.stalediff import STEP_FIELDS, differences

MAX_DIFFERENCES = 3  # shown in a stale-plan refusal; the rest is "..."

StepKey = tuple[tuple[str, object], ...]

# What a step does, without its wording: the fields apply acts or spends on (those its
# action has; the action itself tells the variants apart). stalediff explains the same ones.
_KEY_FIELDS: set[str] = set(STEP_FIELDS)


def step_key(step: Step) -> StepKey:
    """What a step does, without its wording: the fields apply acts or spends on."""
    return tuple(step.model_dump(include=_KEY_FIELDS).items())


def check_origin(saved: Plan, *, target: str, spec_digest: str) -> Refusal | None:
    """Refuse before any read when the saved plan was made elsewhere or from other specs."""
    if saved.target != target:
        return Refusal(
            kind=RefusalKind.TARGET_MISMATCH,
            message=f"the plan was made against {saved.target}, this run targets {target}",
        )
    if saved.specDigest is None:
        return Refusal(
            kind=RefusalKind.SPECS_CHANGED,
            message="the plan records no spec digest (made by an older subctl); plan again",
        )
    if saved.specDigest != spec_digest:
        paths = " ".join(saved.specPaths) or "?"
        return Refusal(
            kind=RefusalKind.SPECS_CHANGED,
            message=f"the specs changed since the plan was made (from {paths}); plan again",
        )
    return None


def check_fresh(saved: Plan, fresh: Plan) -> Refusal | None:
    """Refuse as stale unless the fresh plan would do exactly what the saved one says."""
    differ: list[str] = []
    fresh_subs = {s.id: s for s in fresh.subscriptions if s.steps}
    saved_subs = {s.id: s for s in saved.subscriptions if s.steps}
    for sub_id in sorted(fresh_subs.keys() | saved_subs.keys(), key=lambda i: (len(i), i)):
        old, new = saved_subs.get(sub_id), fresh_subs.get(sub_id)
        same = (
            old is not None
            and new is not None
            and [step_key(s) for s in old.steps] == [step_key(s) for s in new.steps]
            and old.fingerprint == new.fingerprint
        )
        if not same:
            differ.append(sub_id)
    if not differ:
        return None
    shown = ", ".join(differ[:10]) + (f" and {len(differ) - 10} more" if len(differ) > 10 else "")
    return Refusal(
        kind=RefusalKind.STALE_PLAN,
        message=f"stale plan: the steps for {shown} are not what a fresh plan would do now "
        "(live state or the plan file changed since it was made); plan again"
        + _what_differs(differ, saved_subs, fresh_subs),
    )


def _what_differs(
    differ: list[str],
    saved_subs: dict[str, SubscriptionPlan],
    fresh_subs: dict[str, SubscriptionPlan],
) -> str:
    """The first few differences, so that nobody has to diff two plan files to see why."""
    found: list[str] = []
    for sub_id in differ:
        found += differences(sub_id, saved_subs.get(sub_id), fresh_subs.get(sub_id))
        if len(found) > MAX_DIFFERENCES:
            break
    if not found:
        return ""
    more = "; ..." if len(found) > MAX_DIFFERENCES else ""
    return " (what differs: " + "; ".join(found[:MAX_DIFFERENCES]) + more + ")"
