"""Declared versus live, field by field, as our own ``Change`` values.

At most three fields (state, autoRenew, expirationDate) with the same keys on both
sides: a plain comparison, not deepdiff (which cost ~45 ms to import and ~0.5 ms a
call here). Used for observe-mode drift and for the "what differs" column of a plan.
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
    # Both views have the same keys, so a plain comparison per key is the whole diff.
    return tuple(
        Change(field=name, desired=_text(desired[name]), live=_text(live[name]))
        for name in sorted(desired)
        if desired[name] != live[name]
    )


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
