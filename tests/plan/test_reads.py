"""``extra_read`` (plan/reads.py) answers "which extra read does this subscription need"
without planning; it must agree with the plan itself: a renew step needs the price, a
cancel step the withdrawn history, and nothing else needs either."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from controller.plan.inputs import LiveState, PlanOptions
from controller.plan.model import Action
from controller.plan.planner import make_plan
from controller.plan.reads import ExtraRead, extra_read
from controller.spec.models import Cancellation
from tests.plan.builders import NOW, declared, live_sub, order, state

_ORDER: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    type_=st.sampled_from(["cancellation", "renewal"]),
    status=st.sampled_from(["submitted", "processing", "error", "cancelled"]),
    code=st.sampled_from(["PA", "AP", "XX"]),
    by_subctl=st.booleans(),
)
# Weighted towards what reaches a renew or cancel step (an active, readable subscription
# with the customer and a period), so that both reads are met often, not by luck.
_COMMON: dict[str, st.SearchStrategy[Any]] = {
    "mode": st.sampled_from(["enforce"] * 4 + ["observe"]),
    "customerId": st.sampled_from([None, None, None, "1000275", "999"]),
}
_ACTIVE: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    state=st.just("active"),
    autoRenew=st.booleans(),
    renewThrough=st.one_of(st.none(), st.dates(dt.date(2026, 6, 1), dt.date(2029, 1, 1))),
    **_COMMON,
)
_CANCELLED: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    state=st.just("cancelled"),
    cancellation=st.builds(
        Cancellation,
        reason=st.just("Customer left"),
        approval=st.sampled_from(["auto", "manual"]),
    ),
    **_COMMON,
)
_LIVE: st.SearchStrategy[dict[str, Any]] = st.builds(
    dict,
    status=st.sampled_from(["active"] * 8 + ["pending", "hold", "terminated", "unknown", None]),
    renewalStatus=st.sampled_from([True, True, False, None]),
    expirationDate=st.sampled_from(["2026-12-01", "2027-03-31", "2027-03-31", None]),
    subscriptionPeriod=st.sampled_from(
        [{"type": "year", "duration": 1}] * 3 + [{"type": "week", "duration": 1}, None]
    ),
    customerId=st.sampled_from(["1000275"] * 4 + [None]),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    fields=st.one_of(_ACTIVE, _CANCELLED),
    live_fields=_LIVE,
    orders=st.lists(_ORDER, max_size=3),
    warn_days=st.sampled_from([14, 400]),
)
def test_extra_read_agrees_with_the_plan(
    fields: dict[str, Any],
    live_fields: dict[str, Any],
    orders: list[dict[str, Any]],
    warn_days: int,
) -> None:
    try:
        d = declared("7", **fields)
    except ValueError:  # a combination the spec model refuses: never planned
        assume(False)
        raise
    sub = live_sub("7", **live_fields)
    placed = tuple(order(f"70{i}", "7", **o) for i, o in enumerate(orders))
    live = LiveState(subscriptions={"7": sub}, orders={"7": placed})
    plan = make_plan(state(d), live, PlanOptions(now=NOW, warn_days=warn_days))
    actions = {s.action for s in plan.steps}
    wanted = (
        ExtraRead.PRICE
        if Action.RENEW in actions
        else ExtraRead.HISTORY
        if Action.CANCEL in actions
        else None
    )
    assert extra_read(d, sub, placed) is wanted
