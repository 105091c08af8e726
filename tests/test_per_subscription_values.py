"""The values held once per subscription stay slotted (docs/architecture.md, "The Plan is
data"): a BaseModel carries its own __dict__ and fields-set, ~1.2-2.1 KB each, which at
100,000 subscriptions took plan's peak memory from ~300 MB to ~800 MB (docs/benchmarks.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from controller.marketplace.models import Money, Order, Period, Subscription
from controller.plan.model import SubscriptionPlan
from controller.spec.models import DesiredSubscription


@pytest.mark.parametrize(
    "value",
    [
        Subscription.model_validate(
            {
                "id": "1",
                "customerId": "2",
                "status": "active",
                "renewalStatus": True,
                "expirationDate": "2027-03-31",
                "subscriptionPeriod": {"type": "year", "duration": 1},
                "totalPrice": {"amount": "1.00", "currency": "GBP"},
                "somethingElse": "ignored",
            }
        ),
        Order.model_validate(
            {"id": "9", "type": "renewal", "customerId": "2", "status": "completed"}
        ),
        Money(amount="1.00", currency="GBP"),
        Period(type="year", duration=1),
        DesiredSubscription(id="1", state="active", autoRenew=True, source="s.yaml:3", setName="s"),
        SubscriptionPlan(
            id="1", source="s.yaml:3", desiredState="active", expirationDate=dt.date(2027, 3, 31)
        ),
    ],
    ids=lambda v: type(v).__name__,
)
def test_no_instance_dict(value: object) -> None:
    assert not hasattr(value, "__dict__")
    first = dataclasses.fields(value)[0].name  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, "changed")
