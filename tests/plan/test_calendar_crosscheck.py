"""The client's renewal calendar (controller/periods.py) against the sandbox's own.

Issue 13: a monthly subscription expiring 31 Jan with renewThrough 30 Mar planned
"3 terms -> 28 Apr" while apply placed 2 orders and ended on 31 Mar. The sandbox must not
import client code (issue 12), so the two implementations are held together here: seed
the sandbox (in-process), plan, apply, and compare the plan's terms and new expiry with
the renewal orders placed and the expiry the marketplace ends on.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.apply.journal import Journal
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import OrderType
from controller.marketplace.settings import ApiSettings, Secret
from controller.observe import observe_and_plan
from controller.periods import anchor_day, renew_until
from controller.plan.guards import GuardLimits
from controller.plan.inputs import PlanOptions
from controller.plan.model import Action
from controller.reconcile import ApplyOptions, Scope, apply
from controller.sandbox.embedded import BASE_URL, embedded_transport
from controller.spec.models import DesiredState, DesiredSubscription

D = dt.date.fromisoformat

# (id, created, expiry, period type, duration, renewThrough, terms, new expiry)
ROWS = [
    ("issue", "2024-01-31", "2025-01-31", "month", 1, "2025-03-30", 2, "2025-03-31"),
    ("30th", "2024-01-30", "2025-01-30", "month", 1, "2025-03-01", 2, "2025-03-30"),
    ("leap", "2023-01-31", "2024-01-31", "month", 1, "2024-02-29", 1, "2024-02-29"),
    ("year-end", "2024-12-31", "2025-12-31", "month", 1, "2026-03-01", 3, "2026-03-31"),
    ("leap-year", "2023-02-28", "2024-02-29", "year", 1, "2028-02-29", 4, "2028-02-29"),
    ("six", "2025-02-28", "2025-08-31", "month", 6, "2026-09-01", 3, "2027-02-28"),
    ("days", "2025-01-31", "2025-01-31", "day", 30, "2025-03-15", 2, "2025-04-01"),
    ("quarter", "2024-11-15", "2025-11-15", "month", 3, "2026-05-16", 3, "2026-08-15"),
    # The expiry is a clamped month end with a later creation day: the anchor is the
    # creation day (31, 29), which the sandbox learns from creationDate at seed time.
    ("clamped-month", "2024-01-31", "2025-02-28", "month", 1, "2025-04-15", 2, "2025-04-30"),
    ("clamped-leap-year", "2020-02-29", "2023-02-28", "year", 1, "2024-02-29", 1, "2024-02-29"),
    ("clamped-quarter", "2025-08-31", "2025-11-30", "month", 3, "2026-05-01", 2, "2026-05-31"),
]
FIELDS = ("created", "expiry", "kind", "n", "through", "terms", "new")
CLIENT = [pytest.param(*row[1:], id=row[0]) for row in ROWS]


def _seed(created: str, expiry: str, kind: str, duration: int) -> dict[str, Any]:
    period = {"type": kind, "duration": duration}
    return {
        "subscriptions": [
            {
                "id": "1",
                "name": "Comms Care",
                "customerId": "1000275",
                "status": "active",
                "renewalStatus": True,
                "creationDate": created,
                "renewalDate": expiry,
                "expirationDate": expiry,
                "subscriptionPeriod": period,
                "billingPeriod": period,
                "totalPrice": {"amount": "5.00", "currency": "GBP"},
            }
        ],
        "orders": [],
    }


@pytest.mark.parametrize(FIELDS, CLIENT)
def test_client_calendar_alone(
    created: str, expiry: str, kind: str, n: int, through: str, terms: int, new: str
) -> None:
    got = renew_until(D(expiry), D(through), kind, n, creation=D(created))
    assert got == (terms, D(new))


@pytest.mark.anyio
@pytest.mark.parametrize(FIELDS, CLIENT)
async def test_plan_equals_what_apply_does_against_the_sandbox(
    tmp_path: Path,
    created: str,
    expiry: str,
    kind: str,
    n: int,
    through: str,
    terms: int,
    new: str,
) -> None:
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(_seed(created, expiry, kind, n)))
    transport = embedded_transport(":memory:", seed=seed_file)
    settings = ApiSettings(
        base_url=BASE_URL,
        username="sandbox",
        password=Secret("sandbox"),
        subscription_key=Secret("sandbox-key"),
    )
    declared = DesiredSubscription(
        id="1",
        state="active",
        autoRenew=True,
        renewThrough=D(through),
        source="s.yaml:3",
        setName="s",
    )
    desired = DesiredState(subscriptions=(declared,))
    options = PlanOptions(now=dt.datetime.now(dt.UTC))
    async with httpx.AsyncClient(transport=transport) as http:
        client = MarketplaceClient(http, settings)
        plan = await observe_and_plan(client, desired, options)
        (step,) = plan.steps
        assert step.action is Action.RENEW
        assert (step.terms, step.newExpiry) == (terms, D(new))
        assert step.price is not None
        assert step.price.amount == f"{5 * terms}.00"
        result = await apply(
            client,
            desired,
            options,
            ApplyOptions(scope=Scope(limits=GuardLimits(max_renewal_terms=100))),
            Journal(None),
        )
        assert result.ok
        renewals = [
            o async for o in client.iter_orders(subscription_id="1") if o.type is OrderType.RENEWAL
        ]
        live = await client.get_subscription("1")
    assert (len(renewals), live.expirationDate) == (step.terms, step.newExpiry)


def test_anchor_day_rule() -> None:
    assert anchor_day(D("2025-02-28"), D("2024-01-31")) == 31  # clamped: creation day
    assert anchor_day(D("2025-02-28"), None) == 28  # unknown creation: the expiry's day
    assert anchor_day(D("2025-03-15"), D("2024-01-31")) == 15  # not a month end
    assert anchor_day(D("2025-04-30"), D("2025-01-29")) == 30  # creation day not later
