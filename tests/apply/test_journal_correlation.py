"""The journal's correlationId of a write is the marketplace's X-Correlation-ID of that write.

Every write the executor can make (PATCH renewalStatus, POST /orders for a renewal and
a cancellation, PATCH statusCode AP and CL) runs against the sandbox in-process; an
httpx response hook notes the header of each write answer, and each journal line must
carry exactly the one of its own write (not of a read made around it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.apply.executor import Executor, ExecutorOptions
from controller.apply.journal import Journal
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.settings import ApiSettings, Secret
from controller.observe import observe_and_plan
from controller.plan.inputs import PlanOptions
from controller.plan.outcome import Outcome
from controller.sandbox.embedded import BASE_URL, embedded_transport
from controller.spec.models import Cancellation, DesiredState, DesiredSubscription
from tests.e2e.harness import order, sub

pytestmark = pytest.mark.anyio

_ACTIONS = {"renewal": "renew", "cancellation": "cancel", "AP": "approve", "CL": "withdraw"}


def _declared(sub_id: str, **fields: Any) -> DesiredSubscription:
    data: dict[str, Any] = {"id": sub_id, "source": "s.yaml:3", "setName": "s", **fields}
    return DesiredSubscription(**data)


async def test_journal_correlation_id_is_the_write_answers_header(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "subscriptions": [
                    sub("1", renew=False),
                    sub("2", expiry="2027-03-31"),
                    sub("3"),
                    sub("4"),
                ],
                "orders": [order("91", "4")],
            }
        )
    )
    desired = DesiredState(
        subscriptions=(
            _declared("1", state="active", autoRenew=True),
            _declared("2", state="active", autoRenew=True, renewThrough=dt.date(2029, 3, 31)),
            _declared("3", state="cancelled", cancellation=Cancellation(reason="moved away")),
            _declared("4", state="active", autoRenew=True),
        )
    )
    # (subscription or order id, action) -> the X-Correlation-ID of each write answer.
    headers: defaultdict[tuple[str, str], list[str]] = defaultdict(list)

    async def note(response: httpx.Response) -> None:
        request = response.request
        parts = request.url.path.strip("/").split("/")
        cid = response.headers["X-Correlation-ID"]
        if request.method == "PATCH" and parts[0] == "subscriptions":
            headers[(parts[1], "set-auto-renew")].append(cid)
        elif request.method == "PATCH" and parts[0] == "orders":
            headers[(parts[1], _ACTIONS[json.loads(request.content)["statusCode"]])].append(cid)
        elif request.method == "POST" and parts == ["orders"]:
            body = json.loads(request.content)
            headers[(body["subscriptionId"], _ACTIONS[body["type"]])].append(cid)

    settings = ApiSettings(
        base_url=BASE_URL,
        username="sandbox",
        password=Secret("sandbox"),
        subscription_key=Secret("sandbox-key"),
    )
    transport = embedded_transport(":memory:", seed=seed, vendor_delay=600)
    async with httpx.AsyncClient(transport=transport, event_hooks={"response": [note]}) as http:
        client = MarketplaceClient(http, settings)
        plan = await observe_and_plan(
            client, desired, PlanOptions(now=dt.datetime.now(dt.UTC), revision="abc1234")
        )
        journal_path = tmp_path / "j.jsonl"
        report = await Executor(client, Journal(journal_path), ExecutorOptions()).run(plan)
    assert {o.outcome for o in report.outcomes} <= {Outcome.SUCCEEDED, Outcome.IN_PROGRESS}
    lines = [json.loads(x) for x in journal_path.read_text().splitlines()]
    journalled: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for line in lines:
        by_order = line["action"] in ("approve", "withdraw")
        key = (line["orderId"] if by_order else line["subscription"], line["action"])
        journalled[key].append(line["correlationId"])
    assert sorted(a for _, a in journalled) == [
        "approve",
        "cancel",
        "renew",
        "set-auto-renew",
        "withdraw",
    ]
    assert len(journalled[("2", "renew")]) == 2  # two terms, two answers
    assert journalled == headers
