"""What the planner reads besides the specs: observed live state and plan options.

``observe`` (controller/apply/observe.py) fills a ``LiveState`` from the API; tests
build one by hand. Plain frozen data, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from controller.defaults import STUCK_AFTER_HOURS, WARN_DAYS
from controller.marketplace.models import Money, Order, Subscription


@dataclass(frozen=True)
class LiveState:
    """The marketplace as observed for one plan.

    ``orders`` holds, per declared subscription, its open and failed orders, plus
    withdrawn cancellation orders where they were looked up (history shown when
    cancelling again). ``estimates`` is the price of one renewal term. Unmanaged
    subscriptions are only counted, except those renewing soon (renewal horizon); of
    their orders only open ones older than ``--stuck-after`` are kept (flagged stuck).
    """

    subscriptions: Mapping[str, Subscription] = field(default_factory=dict)
    orders: Mapping[str, tuple[Order, ...]] = field(default_factory=dict)
    estimates: Mapping[str, Money] = field(default_factory=dict)
    unmanaged_count: int = 0
    unmanaged_renewing: tuple[Subscription, ...] = ()
    unmanaged_stuck: tuple[Order, ...] = ()  # open orders of undeclared subscriptions, old
    # Declared subscriptions whose extra reads (renewal price, cancellation history)
    # failed: id -> why. Each gets an error and no step; the others are still planned.
    unreadable: Mapping[str, str] = field(default_factory=dict)
    # Plan warnings from observation (an item without a usable id, an unreadable order of
    # an undeclared subscription): (subscription id or None, message).
    notes: tuple[tuple[str | None, str], ...] = ()


@dataclass(frozen=True)
class PlanOptions:
    now: dt.datetime
    target: str = "sandbox"
    revision: str | None = None
    stuck_after: dt.timedelta = dt.timedelta(hours=STUCK_AFTER_HOURS)
    warn_days: int = WARN_DAYS
    # Recorded in the plan for apply --plan (controller/plan/saved.py).
    spec_paths: tuple[str, ...] = ()
    spec_digest: str | None = None
