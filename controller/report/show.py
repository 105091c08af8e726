"""``subctl show ID``: one subscription, rendered as text or JSON. Pure.

The gathering (live reads, the declaration, the one-subscription plan) is in
``controller/show.py``; this module only lays a ``ShowData`` out. Text reuses the plan
renderer's tables (``text.py``: terminal width, tokens never split, plain when piped).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from controller.marketplace.models import Order, Subscription
from controller.plan.model import Plan, SubscriptionPlan
from controller.report.sections import (
    Section,
    age,
    days_text,
    money,
    order_cell,
    step_detail,
)
from controller.report.text import render_text
from controller.spec.models import DesiredSubscription

RECENT_ORDERS = 10  # closed orders shown besides every open one


@dataclass(frozen=True)
class ShowData:
    subscription: Subscription
    orders: tuple[Order, ...]  # every order of the subscription, any status
    declared: DesiredSubscription | None
    plan: Plan | None  # the one-subscription plan; None when not declared
    now: dt.datetime
    target: str


def _shown_orders(data: ShowData) -> list[Order]:
    """Open orders, then the most recent closed ones; newest first within each."""
    far = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = sorted(data.orders, key=lambda o: (o.creationDate or far, o.id), reverse=True)
    open_ = [o for o in ordered if o.is_open]
    closed = [o for o in ordered if not o.is_open][:RECENT_ORDERS]
    return open_ + closed


def _age_hours(order: Order, now: dt.datetime) -> float | None:
    if order.creationDate is None:
        return None
    return round((now - order.creationDate).total_seconds() / 3600, 1)


def _period(sub: Subscription) -> str | None:
    p = sub.subscriptionPeriod
    if p is None:
        return None
    return f"{p.duration} {p.type}{'s' if p.duration != 1 else ''}"


def _planned(data: ShowData) -> SubscriptionPlan | None:
    if data.plan is None or not data.plan.subscriptions:
        return None
    return data.plan.subscriptions[0]


# --- JSON ---------------------------------------------------------------------------


def render_show_json(data: ShowData) -> str:
    sub = data.subscription
    planned = _planned(data)
    out: dict[str, Any] = {
        "formatVersion": 1,
        "target": data.target,
        "subscription": {
            "id": sub.id,
            "name": sub.name,
            "customerId": sub.customerId,
            "status": sub.status_text,
            "autoRenew": sub.renewalStatus,
            "expirationDate": sub.expirationDate.isoformat() if sub.expirationDate else None,
            "renewalDate": sub.renewalDate.isoformat() if sub.renewalDate else None,
            "period": _period(sub),
            "price": (
                {"amount": sub.totalPrice.amount, "currency": sub.totalPrice.currency}
                if sub.totalPrice
                else None
            ),
        },
        "declaration": (
            {
                "source": data.declared.source,
                "state": data.declared.state,
                "autoRenew": data.declared.autoRenew,
                "renewThrough": (
                    data.declared.renewThrough.isoformat() if data.declared.renewThrough else None
                ),
                "mode": data.declared.mode,
                "protected": data.declared.protected,
            }
            if data.declared
            else None
        ),
        "managed": data.declared is not None,
        "orders": [
            {
                "id": o.id,
                "orderNumber": o.orderNumber,
                "type": o.type.value,
                "status": o.status_text,
                "statusCode": o.statusCode,
                "creationDate": o.creationDate.isoformat() if o.creationDate else None,
                "ageHours": _age_hours(o, data.now),
                "placedBy": o.attributes.get("placedBy"),
                "open": o.is_open,
            }
            for o in _shown_orders(data)
        ],
        "plan": None,
    }
    if data.plan is not None and planned is not None:
        plan = data.plan

        def dump(items: tuple[Any, ...]) -> list[Any]:
            return [i.model_dump(mode="json", exclude_none=True) for i in items]

        out["plan"] = {
            "status": planned.status,
            "steps": dump(planned.steps),
            "inProgress": dump(plan.inProgress),
            "errors": dump(plan.errors),
            "drift": dump(plan.drift),
            "warnings": dump(plan.warnings),
        }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


# --- text ---------------------------------------------------------------------------


def _head(data: ShowData) -> list[str]:
    sub = data.subscription
    name = f" {sub.name!r}" if sub.name else ""
    renewal = sub.renewalDate or sub.expirationDate
    days = (renewal - data.now.date()).days if renewal else None
    facts = [
        f"status {sub.status_text}",
        f"auto-renew {'on' if sub.renewalStatus else 'off'}",
        f"expiry {sub.expirationDate or 'unknown'}",
        f"renewal {sub.renewalDate or 'unknown'}" + (f" ({days_text(days)})" if days else ""),
    ]
    if period := _period(sub):
        facts.append(f"period {period}")
    if sub.totalPrice:
        facts.append(f"price {money(sub.totalPrice.amount, sub.totalPrice.currency)} per period")
    head = [
        f"Subscription {sub.id}{name}, customer {sub.customerId}, on {data.target}",
        ", ".join(facts),
    ]
    d = data.declared
    if d is None:
        head.append("Not declared: unmanaged (subctl never touches it).")
    else:
        wanted = [f"state {d.state}"]
        if d.autoRenew is not None:
            wanted.append(f"autoRenew {str(d.autoRenew).lower()}")
        if d.renewThrough:
            wanted.append(f"renewThrough {d.renewThrough}")
        if d.mode != "enforce":
            wanted.append(f"mode {d.mode}")
        if d.protected:
            wanted.append("protected")
        head.append(f"Declared at {d.source}: {', '.join(wanted)}.")
    return head


def _sections(data: ShowData) -> list[Section]:
    orders = _shown_orders(data)
    sections = [
        Section(
            key="orders",
            title="Orders (open, then recent)",
            noun=("order", "orders"),
            columns=("Order", "Type", "Status", "Code", "Age", "Placed by"),
            rows=tuple(
                (
                    o.display_name,
                    o.type.value,
                    o.status_text,
                    o.statusCode or "",
                    age(h) if (h := _age_hours(o, data.now)) is not None else "",
                    o.attributes.get("placedBy", ""),
                )
                for o in orders
            ),
            style="bold",
        )
    ]
    planned = _planned(data)
    if data.plan is not None and planned is not None:
        plan = data.plan
        sections += [
            Section(
                key="changes",
                title="Plan: steps",
                noun=("step", "steps"),
                columns=("Action", "Detail"),
                rows=tuple((s.action.value, step_detail(s)) for s in planned.steps),
                style="bold green",
            ),
            Section(
                key="in-progress",
                title="Plan: in progress",
                noun=("operation", "operations"),
                columns=("Kind", "Order", "Message"),
                rows=tuple(
                    (p.kind.value, order_cell(p.orderNumber, p.orderId), p.message)
                    for p in plan.inProgress
                ),
                style="bold cyan",
            ),
            Section(
                key="errors",
                title="Plan: errors",
                noun=("error", "errors"),
                columns=("Code", "Message"),
                rows=tuple((e.code.value, e.message) for e in plan.errors),
                style="bold red",
            ),
            Section(
                key="drift",
                title="Plan: drift (observe mode)",
                noun=("field", "fields"),
                columns=("Field", "Live -> desired"),
                rows=tuple(
                    (c.field, f"{c.live} -> {c.desired}") for d in plan.drift for c in d.changes
                ),
                style="bold yellow",
            ),
            Section(
                key="warnings",
                title="Plan: warnings",
                noun=("warning", "warnings"),
                columns=("Warning",),
                rows=tuple((w.message,) for w in plan.warnings),
                style="bold yellow",
            ),
        ]
    return [s for s in sections if s.rows]


def _tail(data: ShowData) -> list[str]:
    lines = [] if data.orders else ["No orders."]
    planned = _planned(data)
    if planned is None:
        return [*lines, "Plan: nothing (not declared)."]
    if planned.status == "in-sync":
        return [*lines, "Plan: in sync, nothing to do."]
    return [*lines, f"Plan: {planned.status}."]


def render_show_text(
    data: ShowData, *, rich: bool, width: int | None = None, color: bool = True
) -> str:
    return render_text(
        _head(data), _sections(data), _tail(data), rich=rich, width=width, color=color
    )
