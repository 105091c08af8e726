"""Eight concurrent clients, 2,000 writes, 30% injected faults: the database stays consistent.

Each client owns ten subscriptions whose auto-renew flag only it writes (so the final flag
is exactly the last committed write), and all clients race on eight shared subscriptions
with renewals, cancellations, approvals and withdrawals.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter, defaultdict
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from controller.sandbox import rules
from controller.sandbox.clock import FakeClock
from controller.sandbox.embedded import BASE_URL, embedded_transport
from controller.sandbox.store import Store
from tests.sandbox.support import KEY, cancellation, renewal

pytestmark = pytest.mark.anyio

CLIENTS = 8
WRITES = 2_000
OWN = 10
SHARED = [str(9_000 + i) for i in range(8)]
CUSTOMER = "1000999"
# What the sandbox's fault kinds mean for a write (known here, unknown to a real client).
COMMITTED = {200, 201, 502}


def seed_file(tmp_path: Path) -> Path:
    subs = [
        {
            "id": sub_id,
            "customerId": CUSTOMER,
            "status": "active",
            "renewalStatus": True,
            "expirationDate": "2027-01-31",
            "renewalDate": "2027-01-31",
            "subscriptionPeriod": {"type": "month", "duration": 1},
            "totalPrice": {"amount": "5.00", "currency": "GBP"},
        }
        for sub_id in SHARED + [str(8_000 + i) for i in range(CLIENTS * OWN)]
    ]
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"subscriptions": subs}))
    return path


@dataclass
class Log:
    writes: int = 0
    flag_writes: dict[str, list[tuple[bool, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    created: list[dict[str, Any]] = field(default_factory=list)
    renewals_committed: Counter[str] = field(default_factory=Counter)
    approved: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)


class Client:
    def __init__(self, http: httpx.AsyncClient, log: Log, rng: random.Random) -> None:
        self.http = http
        self.log = log
        self.rng = rng
        self.headers = {"X-Subscription-Key": KEY}

    async def send(self, method: str, path: str, **kwargs: Any) -> int:
        try:
            response = await self.http.request(method, path, headers=self.headers, **kwargs)
        except httpx.RemoteProtocolError:
            return 0  # a dropped connection: no answer
        if response.status_code == 401:
            await self.login()
            return await self.send(method, path, **kwargs)
        self.last = response
        return response.status_code

    async def read(self, path: str, **params: Any) -> Any:
        while await self.send("GET", path, params=params) != 200:
            pass  # reads are safe to repeat through any fault
        return self.last.json()

    async def login(self) -> None:
        while True:
            try:
                response = await self.http.post(
                    "/token",
                    auth=("sandbox", "sandbox"),
                    headers={"X-Subscription-Key": KEY},
                    json={"marketplace": "uk"},
                )
            except httpx.RemoteProtocolError:
                continue
            if response.status_code == 200:
                self.headers["Authorization"] = f"Bearer {response.json()['token']}"
                return

    async def write(self, method: str, path: str, body: Any) -> int:
        self.log.writes += 1
        status = await self.send(method, path, json=body)
        self.log.statuses[status] += 1
        return status

    async def run(self, own: list[str]) -> None:
        await self.login()
        while self.log.writes < WRITES:
            roll = self.rng.random()
            shared = self.rng.choice(SHARED)
            if roll < 0.35:
                sub_id, value = self.rng.choice(own), self.rng.random() < 0.5
                status = await self.write(
                    "PATCH", f"/subscriptions/{sub_id}", {"renewalStatus": value}
                )
                self.log.flag_writes[sub_id].append((value, status))
            elif roll < 0.55:
                status = await self.write("POST", "/orders", renewal(shared, CUSTOMER))
                if status in COMMITTED:
                    self.log.renewals_committed[shared] += 1
                if status == 201:
                    self.log.created.append(self.last.json())
            elif roll < 0.75:
                status = await self.write("POST", "/orders", cancellation(shared, CUSTOMER))
                if status == 201:
                    self.log.created.append(self.last.json())
            else:
                page = await self.read("/orders", subscriptionId=shared, status="submitted")
                page["data"] += (
                    await self.read("/orders", subscriptionId=shared, status="processing")
                )["data"]
                open_orders = [o for o in page["data"] if o["statusCode"] in ("PA", "AP")]
                if not open_orders:
                    continue
                order = open_orders[0]
                code = "AP" if order["statusCode"] == "PA" and self.rng.random() < 0.6 else "CL"
                status = await self.write("PATCH", f"/orders/{order['id']}", {"statusCode": code})
                if status == 200:
                    (self.log.approved if code == "AP" else self.log.withdrawn).add(order["id"])


def check_database(store: Store, log: Log) -> None:
    with store.transaction() as (conn, _):
        orders = {str(r["id"]): dict(r) for r in conn.execute("SELECT * FROM orders")}
        subs = {str(r["id"]): dict(r) for r in conn.execute("SELECT * FROM subscriptions")}
        doubled = conn.execute(
            "SELECT subscription_id, type FROM orders WHERE status_code IN ('PA', 'AP') "
            "GROUP BY subscription_id, type HAVING count(*) > 1"
        ).fetchall()
    assert doubled == []
    for order in orders.values():  # nothing half-made
        assert order["order_number"].startswith("SO")
        assert order["status"] == rules.status_for(order["status_code"]).value
        assert order["total_amount"] is not None
        attributes = json.loads(order["attributes"])
        if order["type"] == "cancellation":
            assert attributes["cancellationReason"]
    assert len({o["order_number"] for o in orders.values()}) == len(orders)
    for made in log.created:  # every created order answered 2xx is there, as answered
        row = orders[made["id"]]
        assert (row["order_number"], row["type"]) == (made["orderNumber"], made["type"])
        assert str(row["subscription_id"]) == made["subscriptionId"]
    for order_id in log.approved:
        assert orders[order_id]["status_code"] in ("AP", "CL")
    for order_id in log.withdrawn:
        assert orders[order_id]["status_code"] == "CL"
    renewals = Counter(str(o["subscription_id"]) for o in orders.values() if o["type"] == "renewal")
    for sub_id in SHARED:  # every committed renewal moved the dates exactly once
        assert renewals[sub_id] == log.renewals_committed[sub_id]
        expected = rules.add_period(dt.date(2027, 1, 31), "month", renewals[sub_id], 31)
        assert subs[sub_id]["expiration_date"] == expected.isoformat()
        assert subs[sub_id]["renewal_date"] == expected.isoformat()
    for sub_id, writes in log.flag_writes.items():  # the last committed flag write stands
        committed = [value for value, status in writes if status in COMMITTED]
        expected_flag = committed[-1] if committed else True
        assert bool(subs[sub_id]["renewal_status"]) is expected_flag


async def test_concurrent_writes_with_faults_stay_consistent(tmp_path: Path) -> None:
    transport = embedded_transport(
        ":memory:",
        seed=seed_file(tmp_path),
        clock=FakeClock(),
        vendor_delay=10**6,
        fault_rate=0.3,
        fault_seed=2026,
        token_ttl=10**6,
    )
    log = Log()
    # Closing a client closes the shared transport (and its store): check before that.
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=BASE_URL)
            )
            for _ in range(CLIENTS)
        ]
        async with anyio.create_task_group() as group:
            for index, http in enumerate(clients):
                own = [str(8_000 + index * OWN + i) for i in range(OWN)]
                group.start_soon(Client(http, log, random.Random(index)).run, own)
        check_database(transport.store, log)
    # The run really exercised successes, refusals and every fault kind.
    for status in (0, 200, 201, 400, 429, 500, 502, 503):
        assert log.statuses[status] > 10, log.statuses
    assert log.writes >= WRITES
    assert log.approved
    assert log.withdrawn
