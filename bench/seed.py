"""Sandbox seeds that match generated specs: a steady state with a little drift.

``plan_seed(spec_dir)`` reads the specs ``generate.write_specs`` wrote (with the C YAML
loader: the benchmark should not time our own loader twice) and returns a seed in which
most declared subscriptions are in sync, as in a repository that has been applied
before, plus a realistic trickle of changes: about 1% of active ones with auto-renew
flipped, 2% of those with ``renewThrough`` due a renewal, 1% of cancelled ones still
active (a cancellation to place), 1% with a pending cancellation order (approve), 0.5%
waiting for the vendor; and 20% more unmanaged subscriptions, 1% of them with an open
order placed elsewhere. Deterministic.

``toggle_specs_and_seed(dir, n)`` is the apply benchmark: ``n`` active subscriptions
declared with auto-renew off that are live with auto-renew on.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.generate import FIRST_CUSTOMER, FIRST_ID

UNMANAGED_SHARE = 0.2
PRICE = "12.50"
_BASE_EXPIRY = dt.date(2027, 3, 31)


@dataclass
class Seed:
    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    # What a plan of it must do, for the minimum call count.
    renewals: int = 0
    cancellations: int = 0

    def data(self) -> dict[str, Any]:
        return {"subscriptions": self.subscriptions, "orders": self.orders}

    def open_orders(self, code: str) -> int:
        return sum(o["statusCode"] == code for o in self.orders)


def _sub(
    sub_id: str, customer: str, *, renew: bool, expiry: dt.date, status: str
) -> dict[str, Any]:
    day = expiry.isoformat()
    return {
        "id": sub_id,
        "name": "Comms Care",
        "customerId": customer,
        "status": status,
        "renewalStatus": renew,
        "creationDate": "2025-01-01",
        "renewalDate": day,
        "expirationDate": day,
        "subscriptionPeriod": {"type": "year", "duration": 1},
        "billingPeriod": {"type": "year", "duration": 1},
        "totalPrice": {"amount": PRICE, "currency": "GBP"},
    }


def _order(sub_id: str, customer: str, code: str, *, by_subctl: bool) -> dict[str, Any]:
    attributes = {"cancellationReason": "Site closed"}
    if by_subctl:
        attributes["placedBy"] = "subctl"
    return {
        "type": "cancellation",
        "customerId": customer,
        "subscriptionId": sub_id,
        "statusCode": code,
        "creationDate": "2026-11-24T09:00:00Z",
        "attributes": attributes,
    }


def _declared(seed: Seed, entry: dict[str, Any], customer: str, rng: random.Random) -> None:
    sub_id = str(entry["id"])
    draw = rng.random()
    if entry["state"] == "active":
        through: dt.date | None = entry.get("renewThrough")
        expiry = max(_BASE_EXPIRY, through + dt.timedelta(days=30)) if through else _BASE_EXPIRY
        renew = bool(entry["autoRenew"])
        if draw < 0.01:
            renew = not renew
        elif through is not None and draw < 0.03:
            expiry = through - dt.timedelta(days=200)
            seed.renewals += entry.get("mode") != "observe"
        seed.subscriptions.append(
            _sub(sub_id, customer, renew=renew, expiry=expiry, status="active")
        )
        return
    if draw < 0.01:
        seed.cancellations += 1
        status = "active"
    elif draw < 0.02:
        seed.orders.append(_order(sub_id, customer, "PA", by_subctl=True))
        status = "active"
    elif draw < 0.025:
        seed.orders.append(_order(sub_id, customer, "AP", by_subctl=True))
        status = "active"
    else:
        status = "terminated"
    seed.subscriptions.append(
        _sub(sub_id, customer, renew=status == "active", expiry=_BASE_EXPIRY, status=status)
    )


def plan_seed(spec_dir: Path) -> Seed:
    seed = Seed()
    rng = random.Random(7)
    declared = 0
    for path in sorted(spec_dir.glob("*.yaml")):
        doc = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
        customer = doc["defaults"]["customerId"]
        for entry in doc["subscriptions"]:
            _declared(seed, entry, customer, rng)
            declared += 1
    extra = int(declared * UNMANAGED_SHARE)
    for i in range(extra):
        sub_id = str(FIRST_ID + declared + i)
        customer = str(FIRST_CUSTOMER + 900_000 + i // 100)
        seed.subscriptions.append(
            _sub(sub_id, customer, renew=True, expiry=_BASE_EXPIRY, status="active")
        )
        if rng.random() < 0.01:
            seed.orders.append(_order(sub_id, customer, "PA", by_subctl=False))
    return seed


def toggle_specs_and_seed(spec_dir: Path, n: int, per_file: int = 100) -> Seed:
    """``n`` declared with auto-renew off, live with it on: ``n`` set-auto-renew steps."""
    spec_dir.mkdir(parents=True, exist_ok=True)
    seed = Seed()
    for number, start in enumerate(range(0, n, per_file)):
        customer = str(FIRST_CUSTOMER + number)
        ids = [str(FIRST_ID + i) for i in range(start, min(n, start + per_file))]
        doc = {
            "apiVersion": "subctl/v1",
            "kind": "SubscriptionSet",
            "metadata": {"name": f"toggle-{number:05d}"},
            "defaults": {"customerId": customer, "product": "Comms Care"},
            "subscriptions": [{"id": i, "state": "active", "autoRenew": False} for i in ids],
        }
        text = yaml.safe_dump(doc, sort_keys=False)
        (spec_dir / f"toggle-{number:05d}.yaml").write_text(text, encoding="utf-8")
        seed.subscriptions += [
            _sub(i, customer, renew=True, expiry=_BASE_EXPIRY, status="active") for i in ids
        ]
    for i in range(n // 5):
        sub_id = str(FIRST_ID + n + i)
        seed.subscriptions.append(
            _sub(sub_id, "3999999", renew=True, expiry=_BASE_EXPIRY, status="active")
        )
    return seed
