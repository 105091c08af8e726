"""The fingerprint of a subscription's live state, saved in plans for the stale check.

``plan --out`` stores it per subscription; ``apply --plan`` reads live state again and
refuses the run if any touched subscription's fingerprint changed. It covers the facts
a step rests on: status, auto-renew, expiry, customer and the open or failed orders
(withdrawn orders are history and do not count).
"""

from __future__ import annotations

import hashlib
import json

from controller.marketplace.models import Order, OrderStatus, Subscription


def fingerprint(sub: Subscription | None, orders: tuple[Order, ...]) -> str:
    """A short hash of the live facts a plan's steps rest on (stale-plan check)."""
    facts: dict[str, object] = {"missing": True}
    if sub is not None:
        facts = {
            "status": sub.status_text,
            "renewalStatus": sub.renewalStatus,
            "expirationDate": str(sub.expirationDate),
            "customerId": sub.customerId,
            "orders": sorted(
                (o.id, o.type.value, o.status_text, o.statusCode or "")
                for o in orders
                if o.status is not OrderStatus.CANCELLED
            ),
        }
    blob = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
