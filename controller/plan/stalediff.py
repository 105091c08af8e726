"""What differs between a saved plan's steps and a fresh plan's, in words.

Pure, used by ``saved.py`` when it refuses ``apply --plan FILE`` as stale: the refusal
names the first differences (``301 step 1 action: saved cancel, now none``) so that a
person sees why without diffing two JSON files. deepdiff compares the steps'
``model_dump(mode="json")`` dicts (whatever class a step is), limited to the fields
apply acts or spends on; its types stay in this module. Imported lazily: deepdiff
costs ~45 ms of imports, and only a refused saved plan needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from controller.plan.model import Step, SubscriptionPlan
from controller.safetext import scrub

# The fields a saved step must match a fresh one on, in the order differences are told
# (``saved.step_key`` compares the same fields).
STEP_FIELDS = (
    "action",
    "subscriptionId",
    "customerId",
    "orderId",
    "autoRenew",
    "terms",
    "newExpiry",
    "reason",
    "price",
)
_MAX_VALUE = 60


def _fields(steps: Sequence[Step]) -> list[dict[str, Any]]:
    dumps = (step.model_dump(mode="json") for step in steps)
    return [{name: dump.get(name) for name in STEP_FIELDS} for dump in dumps]


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        if set(value) == {"amount", "currency"}:
            return f"{value['amount']} {value['currency']}"
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    # Hand-edited plan files are untrusted: no control character reaches a terminal.
    text = scrub(str(value), "mark")
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _action(step: object) -> str:
    # A whole step added or removed: the side without it is deepdiff's "not present".
    return _show(step.get("action")) if isinstance(step, dict) else "none"


def _step_differences(sub_id: str, saved: Sequence[Step], fresh: Sequence[Step]) -> list[str]:
    from deepdiff import DeepDiff  # noqa: PLC0415 - lazy: ~45 ms of imports, rarely needed

    tree = DeepDiff(_fields(saved), _fields(fresh), verbose_level=2).tree
    found: list[tuple[int, int, str]] = []
    for levels in tree.values():
        for level in levels:
            path = level.path(output_format="list")
            where = f"{sub_id} step {int(path[0]) + 1}"
            if len(path) == 1:
                text = f"{where}: saved {_action(level.t1)}, now {_action(level.t2)}"
                found.append((int(path[0]), -1, text))
                continue
            name = ".".join(str(part) for part in path[1:])
            text = f"{where} {name}: saved {_show(level.t1)}, now {_show(level.t2)}"
            found.append((int(path[0]), STEP_FIELDS.index(str(path[1])), text))
    return [text for *_, text in sorted(found)]


def differences(
    sub_id: str, saved: SubscriptionPlan | None, fresh: SubscriptionPlan | None
) -> list[str]:
    """Why one subscription's saved steps are not the fresh ones, first difference first."""
    saved_steps = saved.steps if saved is not None else ()
    fresh_steps = fresh.steps if fresh is not None else ()
    found = _step_differences(sub_id, saved_steps, fresh_steps)
    if found or saved is None or fresh is None:
        return found
    if saved.fingerprint != fresh.fingerprint:  # the same steps, resting on other facts
        return [f"{sub_id}: live state changed since the plan was made"]
    return []
