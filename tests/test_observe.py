"""observe: one subscription's failed extra read is its error, not the whole run's.

Regression: with 1,000 subscriptions at a 30% fault rate, one renewal estimate (or
cancellation-history page) failing all its retries aborted the whole plan, run after
run, so apply never converged (tests/reliability/test_faults.py, soak, seed 105).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from controller.marketplace.client import MarketplaceClient
from controller.marketplace.retry import set_testing
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.model import Action, IssueCode, RenewStep, acted_on
from controller.sandbox.embedded import embedded_transport
from controller.spec.loader import load_specs
from tests.e2e.harness import sub, write_specs
from tests.marketplace.conftest import make_settings, sandbox_settings


@pytest.mark.anyio
async def test_failed_estimate_is_one_subscriptions_error(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"subscriptions": [sub("1"), sub("2", renew=False)]}))
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "1", "state": "active", "autoRenew": True, "renewThrough": "2028-03-31"},
            {"id": "2", "state": "active", "autoRenew": True},
        ],
    )
    transport = embedded_transport(
        tmp_path / "db.sqlite",
        seed=seed,
        fault_rate=1.0,
        fault_kinds=("503",),
        fault_match=("POST /orders/estimate",),
    )
    set_testing(True)
    try:
        async with httpx.AsyncClient(transport=transport) as http:
            settings = sandbox_settings()
            client = MarketplaceClient(http, settings)
            plan = await observe_and_plan(
                client, load_specs([str(specs)]), PlanOptions(now=dt.datetime.now(dt.UTC))
            )
    finally:
        set_testing(False)
    (error,) = plan.errors
    assert (error.subscriptionId, error.code) == ("1", IssueCode.UNREADABLE)
    assert "renewal price" in error.message
    assert [(s.subscriptionId, s.action) for s in plan.steps] == [("2", Action.SET_AUTO_RENEW)]


@pytest.mark.anyio
async def test_an_order_read_twice_is_planned_once(tmp_path: Path) -> None:
    # Regression: an order listed under two statuses (it moved on between the listing
    # calls, or a server ignores the filter) was planned and shown once per listing.
    order = {
        "id": "77",
        "orderNumber": "SO77",
        "type": "cancellation",
        "subscriptionId": "1",
        "customerId": "1000275",
        "status": "submitted",
        "statusCode": "PA",
        "creationDate": "2020-01-01T00:00:00Z",
        "attributes": {"placedBy": "subctl", "cancellationReason": "gone"},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/token"):
            return httpx.Response(200, json={"token": "t" * 40, "expiresInSeconds": 3600})
        items = [sub("1")] if path.endswith("/subscriptions") else [order]
        return httpx.Response(
            200, json={"data": items, "pagination": {"offset": 0, "limit": 100, "total": 1}}
        )

    specs = write_specs(
        tmp_path,
        "acme",
        [{"id": "1", "state": "cancelled", "cancellation": {"reason": "gone away"}}],
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = MarketplaceClient(http, make_settings())
        plan = await observe_and_plan(
            client,
            load_specs([str(specs)]),
            PlanOptions(now=dt.datetime.now(dt.UTC), stuck_after=dt.timedelta(hours=1)),
        )
    assert [(s.action, acted_on(s)[0]) for s in plan.steps] == [(Action.APPROVE, "77")]
    assert [s.orderId for s in plan.stuck] == ["77"]


class _Recorder(httpx.AsyncBaseTransport):
    """Passes requests on to the sandbox, noting each one as it is sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        return await self.inner.handle_async_request(request)


@pytest.mark.anyio
async def test_extra_reads_start_while_the_listing_goes_on(tmp_path: Path) -> None:
    # A renewal's price and a cancellation's history are asked for as soon as the
    # subscription (first page) and the order listings are in, not after the last page.
    subs = [sub(str(i)) for i in range(1, 201)]
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"subscriptions": subs}))
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "1", "state": "active", "autoRenew": True, "renewThrough": "2028-03-31"},
            {"id": "2", "state": "cancelled", "cancellation": {"reason": "gone"}},
            *({"id": str(i), "state": "active", "autoRenew": True} for i in range(3, 201)),
        ],
    )
    recorder = _Recorder(embedded_transport(tmp_path / "db.sqlite", seed=seed))
    async with httpx.AsyncClient(transport=recorder) as http:
        settings = sandbox_settings(
            page_size=10,
            max_concurrency=1,  # one request at a time: the order sent is deterministic
        )
        plan = await observe_and_plan(
            MarketplaceClient(http, settings),
            load_specs([str(specs)]),
            PlanOptions(now=dt.datetime.now(dt.UTC)),
        )
    assert [(s.subscriptionId, s.action) for s in plan.steps] == [
        ("1", Action.RENEW),
        ("2", Action.CANCEL),
        ("2", Action.APPROVE),
    ]
    assert isinstance(plan.steps[0], RenewStep)
    assert plan.steps[0].price is not None
    pages = [i for i, line in enumerate(recorder.sent) if line.startswith("GET /subscriptions?")]
    estimate = recorder.sent.index("POST /orders/estimate?")
    history = next(i for i, line in enumerate(recorder.sent) if "subscriptionId=2" in line)
    assert len(pages) == 20
    assert estimate < pages[-1]
    assert history < pages[-1]
