"""Live subscriptions -> spec YAML (``subctl export``, adoption). Pure: no I/O.

The other end of the pipeline from the loader: ``controller/export.py`` reads live
subscriptions and open cancellation orders, and this module decides what each one
becomes in a spec and renders one SubscriptionSet per customer. The promise is that
``subctl plan`` on the output plans no change:

- active -> ``state: active`` with the live ``renewalStatus`` as ``autoRenew``;
- terminated / removed -> ``state: cancelled`` (in sync: nothing to do);
- an open cancellation order -> ``state: cancelled``, ``approval: manual`` (subctl
  neither approves someone else's order nor withdraws it; the plan shows it in progress);
- pending -> ``state: active`` with a comment (the plan shows it as provisioning);
- hold -> ``state: active``, ``mode: observe`` with a comment: enforce mode would make
  every plan fail on the hold; observe reports it as drift until the hold is resolved.

The YAML is written by hand, not dumped, so that comments sit next to their entry and the
layout matches the examples in ``specs/``; every user-controlled scalar is quoted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from controller.ids import is_digits
from controller.marketplace.conventions import ATTR_CANCELLATION_REASON
from controller.marketplace.models import (
    Order,
    OrderType,
    Subscription,
    SubscriptionStatus,
)
from controller.safetext import first_control, scrub

SCHEMA_COMMENT = "# yaml-language-server: $schema=../schemas/subscriptionset.schema.json"
TERMINATED_REASON = "exported: already terminated in the marketplace"
# Plain (unquoted) scalars only for text that YAML cannot read as anything but a string.
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._()/+-]*$")
_YAML_WORDS = frozenset(
    {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "none", "nan", "inf"}
)
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)
_REASON_MIN, _REASON_MAX = 3, 500
_PRODUCT_MAX = 200


@dataclass(frozen=True)
class Entry:
    """One subscription as it will be declared, with an optional comment above it."""

    id: str
    state: str
    product: str | None
    auto_renew: bool | None = None
    reason: str | None = None
    manual: bool = False
    observe: bool = False
    comment: str | None = None


@dataclass(frozen=True)
class CustomerSet:
    customer_id: str
    entries: tuple[Entry, ...]

    @property
    def name(self) -> str:
        return f"customer-{self.customer_id}"

    @property
    def filename(self) -> str:
        return f"{self.name}.yaml"


@dataclass(frozen=True)
class Exported:
    sets: tuple[CustomerSet, ...]
    notes: tuple[str, ...]  # why something was skipped or needs a look; for stderr

    @property
    def count(self) -> int:
        return sum(len(s.entries) for s in self.sets)


def _id_key(value: str) -> tuple[int, str]:
    return (len(value), value)  # numeric order for digit strings


def _latest_open_cancellation(orders: Sequence[Order]) -> Order | None:
    open_ = [o for o in orders if o.type is OrderType.CANCELLATION and o.is_open]
    if not open_:
        return None
    return max(open_, key=lambda o: (o.creationDate or _EPOCH, _id_key(o.id)))


def _reason_from(order: Order) -> str:
    # Live text: control characters would make the written file fail validation.
    reason = _comment(order.attributes.get(ATTR_CANCELLATION_REASON, ""))
    if _REASON_MIN <= len(reason) <= _REASON_MAX:
        return reason
    return f"exported: cancellation order {order.display_name} open in the marketplace"


def entry_for(sub: Subscription, orders: Sequence[Order] = ()) -> Entry:
    """What one live subscription becomes in the spec (the rules in the module docstring)."""
    entry = _entry_for(sub, orders)
    if sub.name and first_control(sub.name) is not None:
        # The product guard must equal the live name, and a spec may not hold control
        # characters (terminal escapes, bidi overrides): the guard is left out instead.
        note = "live name has control characters: product guard left out"
        entry = replace(entry, comment=f"{entry.comment}; {note}" if entry.comment else note)
    return entry


def _entry_for(sub: Subscription, orders: Sequence[Order]) -> Entry:
    ok = 0 < len(sub.name) <= _PRODUCT_MAX and first_control(sub.name) is None
    product = sub.name if ok else None
    if sub.status in (SubscriptionStatus.TERMINATED, SubscriptionStatus.REMOVED):
        return Entry(sub.id, "cancelled", product, reason=TERMINATED_REASON)
    pending_cancel = _latest_open_cancellation(orders)
    if pending_cancel is not None:
        number = pending_cancel.display_name
        return Entry(
            sub.id,
            "cancelled",
            product,
            reason=_reason_from(pending_cancel),
            manual=True,
            comment=f"cancellation order {number} is open in the marketplace "
            f"({pending_cancel.status_text}); approval is left to a person",
        )
    if sub.status is SubscriptionStatus.PENDING:
        return Entry(
            sub.id,
            "active",
            product,
            auto_renew=sub.renewalStatus,
            comment="live status pending: still being provisioned",
        )
    if sub.status is SubscriptionStatus.HOLD:
        return Entry(
            sub.id,
            "active",
            product,
            auto_renew=sub.renewalStatus,
            observe=True,
            comment="live status hold: observe only; resolve the hold in the marketplace, "
            "then remove mode: observe",
        )
    return Entry(sub.id, "active", product, auto_renew=sub.renewalStatus)


def build_export(
    subscriptions: Iterable[Subscription], orders: Mapping[str, Sequence[Order]]
) -> Exported:
    """Group live subscriptions by customer into sets, ids sorted; skip what cannot be named."""
    by_customer: dict[str, list[Subscription]] = {}
    notes: list[str] = []
    for sub in subscriptions:
        if sub.customerId is None or not is_digits(sub.id) or not is_digits(sub.customerId):
            notes.append(
                f"skipped subscription {sub.id!r} of customer {sub.customerId!r}: "
                "spec ids must be digits"
            )
            continue
        by_customer.setdefault(sub.customerId, []).append(sub)
    sets = tuple(
        CustomerSet(
            customer_id=customer,
            entries=tuple(
                entry_for(sub, orders.get(sub.id, ()))
                for sub in sorted(subs, key=lambda s: _id_key(s.id))
            ),
        )
        for customer, subs in sorted(by_customer.items(), key=lambda kv: _id_key(kv[0]))
    )
    return Exported(sets=sets, notes=tuple(notes))


def scalar(value: str) -> str:
    """A YAML scalar that reads back as exactly ``value`` (a string)."""
    if _PLAIN.match(value) and value.lower() not in _YAML_WORDS and not value.endswith(" "):
        return value
    # A JSON string is a valid YAML double-quoted scalar; ASCII-only so that no
    # Unicode line separator can end the line early.
    return json.dumps(value, ensure_ascii=True)


def _comment(text: str) -> str:
    return " ".join(scrub(text, "drop").split())


def render_set(cset: CustomerSet) -> str:
    """One spec file: the schema comment first, then one SubscriptionSet document."""
    lines = [
        SCHEMA_COMMENT,
        f"# Written by `subctl export`: live subscriptions of customer {cset.customer_id}.",
        "# Review it, then commit it to adopt them; edit it to change them.",
        "apiVersion: subctl/v1",
        "kind: SubscriptionSet",
        "metadata:",
        f"  name: {cset.name}",
        "defaults:",
        f"  customerId: {json.dumps(cset.customer_id)}",
        "subscriptions:" + ("" if cset.entries else " []"),
    ]
    for entry in cset.entries:
        if entry.comment:
            lines.append(f"  # {entry.id}: {_comment(entry.comment)}")
        lines.append(f"  - id: {json.dumps(entry.id)}")
        if entry.product is not None:
            lines.append(f"    product: {scalar(entry.product)}")
        lines.append(f"    state: {entry.state}")
        if entry.auto_renew is not None:
            lines.append(f"    autoRenew: {'true' if entry.auto_renew else 'false'}")
        if entry.observe:
            lines.append("    mode: observe")
        if entry.reason is not None:
            lines.append("    cancellation:")
            lines.append(f"      reason: {scalar(entry.reason)}")
            if entry.manual:
                lines.append("      approval: manual")
    return "\n".join(lines) + "\n"


def render_stream(sets: Sequence[CustomerSet]) -> str:
    """Every set as one YAML stream (stdout): documents separated by ``---``."""
    return "---\n".join(render_set(s) for s in sets)
