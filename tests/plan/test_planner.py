"""Every reconciliation rule of DESIGN.md section 5, table-driven, on the pure planner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from controller.marketplace.models import Money, Order, Subscription
from controller.plan.model import (
    Action,
    IssueCode,
    Plan,
    ProgressKind,
    RenewStep,
    SetAutoRenewStep,
)
from controller.plan.planner import make_plan
from controller.spec.models import Cancellation, DesiredState
from tests.plan.builders import declared, live, live_sub, options, order, state


@dataclass
class Case:
    name: str
    decl: dict[str, Any]
    sub: dict[str, Any] | None = field(default_factory=dict)
    orders: tuple[Order, ...] = ()
    steps: tuple[str, ...] = ()
    error: IssueCode | None = None
    progress: ProgressKind | None = None
    drift: bool = False


# A live subscription whose auto-renew fires within --warn-days (14) of NOW.
SOON = {"renewalDate": "2026-12-05", "expirationDate": "2026-12-05"}

CASES = [
    Case("in sync", {}),
    Case("not found", {}, sub=None, error=IssueCode.NOT_FOUND),
    Case("customer guard", {"customerId": "9"}, error=IssueCode.GUARD_MISMATCH),
    Case("product guard", {"product": "Other"}, error=IssueCode.GUARD_MISMATCH),
    Case(
        "guard wins over changes",
        {"customerId": "9", "autoRenew": False},
        error=IssueCode.GUARD_MISMATCH,
    ),
    Case("observe drift", {"mode": "observe", "autoRenew": False}, drift=True),
    Case("observe in sync", {"mode": "observe"}),
    Case(
        "pending",
        {"autoRenew": False},
        sub={"status": "pending"},
        progress=ProgressKind.PROVISIONING,
    ),
    Case("hold", {}, sub={"status": "hold"}, error=IssueCode.ON_HOLD),
    Case("active but terminated", {}, sub={"status": "terminated"}, error=IssueCode.IRREVERSIBLE),
    Case("active but removed", {}, sub={"status": "removed"}, error=IssueCode.IRREVERSIBLE),
    Case("withdraw own cancellation", {}, orders=(order("1"),), steps=("withdraw",)),
    Case(
        "withdraw approved own cancellation",
        {},
        orders=(order("1", status="processing", code="AP"),),
        steps=("withdraw",),
    ),
    Case(
        "portal cancellation",
        {},
        orders=(order("1", by_subctl=False),),
        error=IssueCode.PORTAL_CANCELLATION,
    ),
    Case("enable auto-renew", {}, sub={"renewalStatus": False}, steps=("set-auto-renew",)),
    Case("disable auto-renew", {"autoRenew": False}, steps=("set-auto-renew",)),
    Case("renew", {"renewThrough": "2028-03-31"}, steps=("renew",)),
    Case("renew not needed", {"renewThrough": "2027-03-31"}),
    Case(
        "open renewal in progress",
        {"renewThrough": "2028-03-31"},
        orders=(order("1", type_="renewal", status="processing", code="AP"),),
        progress=ProgressKind.WAITING_FOR_VENDOR,
    ),
    Case(
        "withdraw then toggle",
        {"autoRenew": False},
        orders=(order("1"),),
        steps=("withdraw", "set-auto-renew"),
    ),
    Case("cancelled and terminated", {"state": "cancelled"}, sub={"status": "terminated"}),
    Case("cancelled and removed", {"state": "cancelled"}, sub={"status": "removed"}),
    # Auto-renew on, firing months from now: the cancellation completes long before.
    Case("cancel auto", {"state": "cancelled"}, steps=("cancel", "approve")),
    # Issue 13: auto-renew fires within --warn-days (14): the marketplace could renew and
    # bill before the cancellation completes, so it is turned off first.
    Case(
        "cancel auto, auto-renew fires soon",
        {"state": "cancelled"},
        sub=SOON,
        steps=("set-auto-renew", "cancel", "approve"),
    ),
    Case(
        "cancel auto, auto-renew already off",
        {"state": "cancelled"},
        sub={"renewalStatus": False},
        steps=("cancel", "approve"),
    ),
    Case(
        "cancel manual",
        {"state": "cancelled", "cancellation": {"reason": "gone", "approval": "manual"}},
        sub={"renewalStatus": False},
        steps=("cancel",),
    ),
    Case(
        "approve pending",
        {"state": "cancelled"},
        sub={"renewalStatus": False},
        orders=(order("1"),),
        steps=("approve",),
    ),
    Case(
        "approve pending, auto-renew fires soon",
        {"state": "cancelled"},
        sub=SOON,
        orders=(order("1"),),
        steps=("set-auto-renew", "approve"),
    ),
    Case(
        "approve pending, auto-renew fires later",
        {"state": "cancelled"},
        orders=(order("1"),),
        steps=("approve",),
    ),
    Case(
        "approve portal-placed pending",
        {"state": "cancelled"},
        sub={"renewalStatus": False},
        orders=(order("1", by_subctl=False),),
        steps=("approve",),
    ),
    Case(
        "manual awaiting",
        {"state": "cancelled", "cancellation": {"reason": "gone", "approval": "manual"}},
        sub={"renewalStatus": False},
        orders=(order("1"),),
        progress=ProgressKind.AWAITING_MANUAL_APPROVAL,
    ),
    Case(
        "waiting for vendor",
        {"state": "cancelled"},
        sub={"renewalStatus": False},
        orders=(order("1", status="processing", code="AP"),),
        progress=ProgressKind.WAITING_FOR_VENDOR,
    ),
    Case(
        "order in error",
        {"state": "cancelled"},
        orders=(order("1", status="error", code="ER"),),
        error=IssueCode.ORDER_ERROR,
    ),
    Case(
        "withdrawn is history",
        {"state": "cancelled"},
        sub={"renewalStatus": False},
        orders=(order("1", status="cancelled", code="CL"),),
        steps=("cancel", "approve"),
    ),
    Case(
        "cancelled on hold", {"state": "cancelled"}, sub={"status": "hold"}, error=IssueCode.ON_HOLD
    ),
    Case(
        "cancelled pending",
        {"state": "cancelled"},
        sub={"status": "pending"},
        progress=ProgressKind.PROVISIONING,
    ),
]


def _plan(case: Case) -> Plan:
    decl = dict(case.decl)
    if isinstance(decl.get("cancellation"), dict):
        from controller.spec.models import Cancellation

        decl["cancellation"] = Cancellation(**decl["cancellation"])
    if "renewThrough" in decl:
        decl["renewThrough"] = dt.date.fromisoformat(decl["renewThrough"])
    subs: tuple[Subscription, ...] = () if case.sub is None else (live_sub(**case.sub),)
    return make_plan(state(declared(**decl)), live(*subs, orders=case.orders), options())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rule(case: Case) -> None:
    plan = _plan(case)
    assert tuple(s.action.value for s in plan.steps) == case.steps
    assert [e.code for e in plan.errors] == ([case.error] if case.error else [])
    assert [p.kind for p in plan.inProgress] == ([case.progress] if case.progress else [])
    assert bool(plan.drift) == case.drift
    if case.error or case.drift or case.progress:
        assert not plan.steps
    assert Plan.from_json(plan.to_json()) == plan


@pytest.mark.parametrize(
    ("kind", "orders"),
    [
        (ProgressKind.AWAITING_MANUAL_APPROVAL, (order("1"),)),
        (ProgressKind.WAITING_FOR_VENDOR, (order("1", status="processing", code="AP"),)),
    ],
)
def test_open_cancellation_with_auto_renew_on_disables_it_and_waits(
    kind: ProgressKind, orders: tuple[Order, ...]
) -> None:
    manual = Cancellation(reason="gone", approval="manual")
    d = declared(state="cancelled", cancellation=manual)
    plan = make_plan(state(d), live(live_sub(**SOON), orders=orders), options())
    (step,) = plan.steps
    assert isinstance(step, SetAutoRenewStep)
    assert (step.action, step.autoRenew) == (Action.SET_AUTO_RENEW, False)
    later = make_plan(state(d), live(live_sub(), orders=orders), options())
    assert not later.steps  # firing months away: the open order completes first
    assert [p.kind for p in plan.inProgress] == [kind]
    assert plan.cancellations == 0  # turning auto-renew off is not a cancellation
    assert Plan.from_json(plan.to_json()) == plan


def test_renew_counts_terms_prices_and_totals() -> None:
    d = declared("1", renewThrough=dt.date(2029, 4, 1))
    s = live_sub("1")
    plan = make_plan(
        state(d),
        live(s, estimates={"1": Money(amount="70.50", currency="GBP")}),
        options(),
    )
    (step,) = plan.steps
    assert step.action is Action.RENEW
    assert step.terms == 3
    assert step.newExpiry == dt.date(2030, 3, 31)
    assert step.price is not None
    assert step.price.amount == "211.50"
    assert plan.totals.cost == {"GBP": "211.50"}


def test_totals_by_currency_and_month_end_terms() -> None:
    monthly = {"subscriptionPeriod": {"type": "month", "duration": 1}}
    a = live_sub("1", expirationDate="2027-01-31", **monthly)
    b = live_sub("2", expirationDate="2027-01-31")
    plan = make_plan(
        state(
            declared("1", renewThrough=dt.date(2027, 3, 30)),
            declared("2", renewThrough=dt.date(2028, 1, 1)),
        ),
        live(
            a,
            b,
            estimates={
                "1": Money(amount="12.00", currency="GBP"),
                "2": Money(amount="10", currency="EUR"),
            },
        ),
        options(),
    )
    first = plan.steps[0]
    assert isinstance(first, RenewStep)
    # The anchor day 31 is kept: 31 Jan -> 28 Feb -> 31 Mar (never 28 Mar, issue 13)
    assert (first.terms, first.newExpiry) == (2, dt.date(2027, 3, 31))
    assert plan.totals.cost == {"EUR": "10", "GBP": "24.00"}


def test_unknown_period_is_an_error() -> None:
    s = live_sub("1", subscriptionPeriod={"type": "statement_day", "duration": 1})
    plan = make_plan(state(declared("1", renewThrough=dt.date(2030, 1, 1))), live(s), options())
    assert [e.code for e in plan.errors] == [IssueCode.UNKNOWN_PERIOD]


def test_one_error_does_not_hide_others() -> None:
    plan = make_plan(
        state(declared("1"), declared("2", autoRenew=False)),
        live(live_sub("2")),
        options(),
    )
    assert [e.subscriptionId for e in plan.errors] == ["1"]
    assert [s.subscriptionId for s in plan.steps] == ["2"]


def test_stuck_orders_flagged_with_age() -> None:
    old = order("9", status="processing", code="AP", age_hours=100)
    plan = make_plan(
        state(declared("1000177", state="cancelled")), live(live_sub(), orders=(old,)), options()
    )
    assert [(s.orderId, s.ageHours) for s in plan.stuck] == [("9", 100.0)]
    fresh = make_plan(
        state(declared("1000177", state="cancelled")),
        live(live_sub(), orders=(order("9", status="processing", code="AP"),)),
        options(stuck_after=dt.timedelta(hours=200)),
    )
    assert fresh.stuck == ()


def test_withdrawn_order_mentioned_when_cancelling_again() -> None:
    plan = make_plan(
        state(declared("1000177", state="cancelled")),
        live(live_sub(renewalStatus=False), orders=(order("5", status="cancelled", code="CL"),)),
        options(),
    )
    assert plan.subscriptions[0].withdrawnOrders == ("SO5",)
    assert "SO5" in plan.steps[0].description


def test_a_cancellation_replaces_the_auto_renew_warning_with_a_step() -> None:
    soon = {"renewalDate": "2026-12-01", "expirationDate": "2026-12-01"}
    plan = make_plan(
        state(
            declared("1", state="cancelled"),
            declared("2", state="cancelled", mode="observe"),
        ),
        live(live_sub("1", **soon), live_sub("2", **soon)),
        options(),
    )
    # managed + enforce: the first step turns auto-renew off, no warning needed
    first = plan.steps[0]
    assert (first.subscriptionId, first.action.value) == ("1", "set-auto-renew")
    # observe mode writes nothing, so the warning stays
    assert "2" in [w.subscriptionId for w in plan.warnings]
    assert "1" not in [w.subscriptionId for w in plan.warnings]


def test_renewal_horizon_warnings() -> None:
    soon = {"renewalDate": "2026-12-01", "expirationDate": "2026-12-01"}
    plan = make_plan(
        state(declared("1", autoRenew=False), declared("2")),
        live(
            live_sub("1", **soon),
            live_sub("2", **soon),
            renewing=(live_sub("3", **soon), live_sub("4")),
            unmanaged=2,
        ),
        options(),
    )
    assert sorted(w.subscriptionId or "" for w in plan.warnings) == ["1", "3"]
    assert plan.subscriptions[0].daysToRenewal == 6
    assert plan.unmanagedCount == 2


def test_fingerprint_changes_with_live_state() -> None:
    wanted = state(declared("1", renewThrough=dt.date(2028, 3, 31)))
    a = make_plan(wanted, live(live_sub("1")), options())
    b = make_plan(wanted, live(live_sub("1", renewalStatus=False)), options())
    c = make_plan(wanted, live(live_sub("1")), options())
    assert a.subscriptions[0].steps
    assert b.subscriptions[0].steps
    assert a.subscriptions[0].fingerprint != b.subscriptions[0].fingerprint
    assert a.subscriptions[0].fingerprint == c.subscriptions[0].fingerprint


def test_only_touched_subscriptions_carry_a_fingerprint() -> None:
    # The stale check reads fingerprints of subscriptions with steps only.
    plan = make_plan(
        state(declared("1"), declared("2", autoRenew=False)),
        live(live_sub("1"), live_sub("2")),
        options(),
    )
    in_sync, changed = plan.subscriptions
    assert in_sync.fingerprint is None
    assert changed.fingerprint


def test_unmanaged_open_orders_are_flagged_stuck_too() -> None:
    old = order("8", "5555555", status="submitted", age_hours=90)
    base = live(live_sub("1"))
    with_stuck = type(base)(
        subscriptions=base.subscriptions,
        unmanaged_stuck=(old,),
    )
    plan = make_plan(state(declared("1")), with_stuck, options())
    assert [(s.subscriptionId, s.orderId) for s in plan.stuck] == [("5555555", "8")]
    assert not plan.steps


def test_cancellations_count_approvals_of_pending_orders() -> None:
    plan = make_plan(
        state(
            declared("1", state="cancelled"),
            declared("1000177", state="cancelled"),
            declared("3"),
        ),
        live(
            live_sub("1", renewalStatus=False),
            live_sub("1000177", renewalStatus=False),
            live_sub("3", renewalStatus=False),
            orders=(order("9"),),
        ),
        options(),
    )
    assert [s.action.value for s in plan.steps] == [
        "cancel",
        "approve",
        "approve",
        "set-auto-renew",
    ]
    assert plan.cancellations == 2


def test_protected_cancelled_declaration_is_refused_even_past_the_model() -> None:
    # The spec model refuses protected + cancelled, so no spec reaches this branch; the
    # planner keeps its own refusal as defence in depth: cancelling is irreversible, and
    # one-place-per-rule work on spec/rules.py and spec/models.py (issue 15) must not be
    # able to open a path to a protected cancellation by loosening the model check.
    with pytest.raises(ValueError, match="protected"):
        declared(state="cancelled", protected=True)
    d = declared(state="cancelled")
    object.__setattr__(d, "protected", True)  # what a loosened model would let through
    desired = DesiredState.model_construct(subscriptions=(d,), files=())  # skips validation
    plan = make_plan(desired, live(live_sub()), options())
    assert [e.code for e in plan.errors] == [IssueCode.PROTECTED]
    assert plan.steps == ()


@pytest.mark.parametrize(
    "decl",
    [{"state": "cancelled"}, {"renewThrough": dt.date(2028, 3, 31)}],
    ids=["cancel turning auto-renew off first", "renew"],
)
def test_missing_live_customer_id_is_an_error_not_a_crash(decl: dict[str, Any]) -> None:
    # Steps that named the customer as sub.customerId (None) failed validation while
    # planning: a traceback instead of the subscription's own error.
    d = declared(**decl)
    plan = make_plan(state(d), live(live_sub(customerId=None, **SOON)), options())
    assert [(e.code, e.message) for e in plan.errors] == [
        (IssueCode.UNREADABLE, "live customerId missing: needed for the changes; nothing done")
    ]
    assert not plan.steps
