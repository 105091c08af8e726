"""Builders for planner tests: live subscriptions, orders and declarations in one line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from controller.marketplace.models import Money, Order, Subscription
from controller.plan.inputs import LiveState, PlanOptions
from controller.spec.models import Cancellation, DesiredState, DesiredSubscription

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def live_sub(sub_id: str = "1000177", **fields: Any) -> Subscription:
    data: dict[str, Any] = {
        "id": sub_id,
        "customerId": "1000275",
        "name": "Comms Care",
        "status": "active",
        "renewalStatus": True,
        "expirationDate": "2027-03-31",
        "renewalDate": "2027-03-31",
        "subscriptionPeriod": {"type": "year", "duration": 1},
    }
    data.update(fields)
    return Subscription.model_validate(data)


def order(
    order_id: str,
    sub_id: str = "1000177",
    *,
    type_: str = "cancellation",
    status: str = "submitted",
    code: str = "PA",
    by_subctl: bool = True,
    age_hours: float = 1.0,
) -> Order:
    attrs = {"placedBy": "subctl"} if by_subctl else {}
    return Order.model_validate(
        {
            "id": order_id,
            "orderNumber": f"SO{order_id}",
            "type": type_,
            "customerId": "1000275",
            "subscriptionId": sub_id,
            "status": status,
            "statusCode": code,
            "creationDate": (NOW - dt.timedelta(hours=age_hours)).isoformat(),
            "attributes": attrs,
        }
    )


def declared(sub_id: str = "1000177", **fields: Any) -> DesiredSubscription:
    data: dict[str, Any] = {
        "id": sub_id,
        "state": "active",
        "autoRenew": True,
        "source": "specs/acme.yaml:7",
        "setName": "acme",
    }
    data.update(fields)
    if data["state"] == "cancelled":
        if "autoRenew" not in fields:
            del data["autoRenew"]
        data.setdefault("cancellation", Cancellation(reason="Customer left"))
    return DesiredSubscription(**data)


def state(*subs: DesiredSubscription) -> DesiredState:
    return DesiredState(subscriptions=subs)


def live(
    *subs: Subscription,
    orders: tuple[Order, ...] = (),
    estimates: dict[str, Money] | None = None,
    unmanaged: int = 0,
    renewing: tuple[Subscription, ...] = (),
) -> LiveState:
    by_sub: dict[str, tuple[Order, ...]] = {}
    for o in orders:
        assert o.subscriptionId is not None
        by_sub[o.subscriptionId] = (*by_sub.get(o.subscriptionId, ()), o)
    return LiveState(
        subscriptions={s.id: s for s in subs},
        orders=by_sub,
        estimates=estimates or {},
        unmanaged_count=unmanaged,
        unmanaged_renewing=renewing,
    )


def options(**kw: Any) -> PlanOptions:
    return PlanOptions(now=NOW, **kw)
