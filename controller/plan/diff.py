"""Declared versus live, field by field, as our own ``Change`` values.

deepdiff does the comparison; its result types stay in this module (kopf's rule:
the rest of the code sees small frozen diffs of our own). Used for observe-mode drift
and for the "what differs" column of a plan.
"""

from __future__ import annotations

from typing import Any

from controller.marketplace.models import Subscription, SubscriptionStatus
from controller.plan.model import Change
from controller.spec.models import DesiredSubscription


def _live_state(sub: Subscription) -> str:
    if sub.status is SubscriptionStatus.ACTIVE:
        return "active"
    if sub.status in (SubscriptionStatus.TERMINATED, SubscriptionStatus.REMOVED):
        return "cancelled"
    return sub.status_text


def _views(d: DesiredSubscription, sub: Subscription) -> tuple[dict[str, Any], dict[str, Any]]:
    desired: dict[str, Any] = {"state": d.state}
    live: dict[str, Any] = {"state": _live_state(sub)}
    if d.state == "active" and d.autoRenew is not None:
        desired["autoRenew"] = d.autoRenew
        live["autoRenew"] = sub.renewalStatus
    expiry = sub.expirationDate
    if d.renewThrough is not None and expiry is not None and expiry < d.renewThrough:
        desired["expirationDate"] = f">= {d.renewThrough}"
        live["expirationDate"] = str(expiry)
    return desired, live


def desired_changes(d: DesiredSubscription, sub: Subscription) -> tuple[Change, ...]:
    """Fields where live differs from the declaration, sorted by field name."""
    desired, live = _views(d, sub)
    if desired == live:  # the usual case, and DeepDiff costs ~0.5 ms even to find nothing
        return ()
    from deepdiff import DeepDiff  # noqa: PLC0415 - lazy: ~45 ms of imports, rarely needed

    diff = DeepDiff(live, desired, verbose_level=2)
    changes: list[Change] = []
    for key in ("values_changed", "type_changes"):
        for path, delta in diff.get(key, {}).items():
            field = path.removeprefix("root['").removesuffix("']")
            changes.append(
                Change(
                    field=field,
                    desired=_text(delta["new_value"]),
                    live=_text(delta["old_value"]),
                )
            )
    return tuple(sorted(changes, key=lambda c: c.field))


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
