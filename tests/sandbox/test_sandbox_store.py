"""The SQLite store: restarts, seeding rules and errors, and speed at 100,000 subscriptions."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from controller.sandbox import db
from controller.sandbox.clock import FakeClock
from controller.sandbox.embedded import open_store
from controller.sandbox.schemas import OrderRequest
from controller.sandbox.seed import SeedError, demo_seed, load_seed_file, seed_if_empty
from controller.sandbox.store import Page, Store


def orders_page(store: Store, *, subscription_id: str | None = None, limit: int = 10) -> Page:
    """``Store.list_orders`` with no other filter, from the first order."""
    return store.list_orders(
        subscription_id=subscription_id,
        customer_id=None,
        status=None,
        status_code=None,
        order_number=None,
        offset=0,
        limit=limit,
    )


def test_state_survives_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "nested" / "sandbox.db"
    store = open_store(db, seed=None, clock=clock)
    order = store.create_order(
        OrderRequest(type="renewal", customerId="1000275", subscriptionId="1000177")
    )
    store.set_renewal_status("1000179", True)
    store.close()

    again = open_store(db, seed=None, clock=clock)  # not seeded twice
    try:
        assert again.get_order(order["id"])["orderNumber"] == order["orderNumber"]
        assert again.get_subscription("1000179")["renewalStatus"] is True
        assert again.get_subscription("1000177")["expirationDate"] == "2028-03-31"
        _, total = again.list_subscriptions(customer_id=None, status=None, offset=0, limit=1)
        assert total == 9
        # Numbering carries on after a restart.
        second = again.create_order(
            OrderRequest(type="renewal", customerId="1000275", subscriptionId="1000177")
        )
        assert int(second["id"]) == int(order["id"]) + 1
        assert second["orderNumber"] != order["orderNumber"]
    finally:
        again.close()


def test_seed_only_into_an_empty_database(clock: FakeClock) -> None:
    store = Store(":memory:", clock)
    assert store.is_empty()
    assert seed_if_empty(store, demo_seed())
    assert not seed_if_empty(store, demo_seed())
    _, total = store.list_subscriptions(customer_id=None, status=None, offset=0, limit=1)
    assert total == 9
    store.close()


def write(tmp_path: Path, data: Any, name: str = "seed.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


SUB = {"id": "11", "customerId": "22", "status": "active"}


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"subscriptions": [SUB, SUB]}, "seeded twice"),
        ({"subscriptions": [{**SUB, "colour": "red"}]}, "colour"),
        ({"subscriptions": [{**SUB, "status": "gone"}]}, "status"),
        ({"subscriptions": [{**SUB, "id": "x1"}]}, "digits"),
        (
            {
                "subscriptions": [SUB],
                "orders": [
                    {
                        "type": "renewal",
                        "customerId": "22",
                        "subscriptionId": "99",
                        "statusCode": "CP",
                    }
                ],
            },
            "not seeded",
        ),
        (
            {
                "subscriptions": [SUB],
                "orders": [
                    {
                        "type": "renewal",
                        "customerId": "23",
                        "subscriptionId": "11",
                        "statusCode": "CP",
                    }
                ],
            },
            "belongs to customer",
        ),
        (
            {
                "subscriptions": [SUB],
                "orders": [
                    {
                        "type": "cancellation",
                        "customerId": "22",
                        "subscriptionId": "11",
                        "statusCode": "PA",
                        "status": "completed",
                    }
                ],
            },
            "contradicts",
        ),
        (
            {
                "subscriptions": [SUB],
                "orders": [
                    {
                        "type": "cancellation",
                        "customerId": "22",
                        "subscriptionId": "11",
                        "statusCode": c,
                    }
                    for c in ("PA", "AP")
                ],
            },
            "second open",
        ),
        (
            {
                "subscriptions": [SUB],
                "orders": [
                    {
                        "type": "renewal",
                        "customerId": "22",
                        "subscriptionId": "11",
                        "statusCode": "XX",
                    }
                ],
            },
            "statusCode",
        ),
    ],
)
def test_inconsistent_seeds_are_refused(
    tmp_path: Path, clock: FakeClock, data: Any, fragment: str
) -> None:
    store = Store(":memory:", clock)
    with pytest.raises(SeedError, match=fragment):
        seed_if_empty(store, load_seed_file(write(tmp_path, data)))
    assert store.is_empty()  # nothing half-seeded
    store.close()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("subscriptions: [", "not valid"), (b"\xff\xfe", "cannot read")],
)
def test_unreadable_seed_files(tmp_path: Path, content: str | bytes, fragment: str) -> None:
    path = tmp_path / "seed.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(SeedError, match=fragment):
        load_seed_file(path)
    with pytest.raises(SeedError, match="cannot read"):
        load_seed_file(tmp_path / "missing.yaml")


def test_seeded_numbers_and_generated_ones_never_collide(tmp_path: Path, clock: FakeClock) -> None:
    data = {
        "subscriptions": [{**SUB, "expirationDate": "2027-01-01"}],
        "orders": [
            {
                "orderNumber": "SO000007",
                "type": "renewal",
                "customerId": "22",
                "subscriptionId": "11",
                "statusCode": "CP",
            },
            {"type": "renewal", "customerId": "22", "subscriptionId": "11", "statusCode": "CL"},
        ],
    }
    store = Store(":memory:", clock)
    seed_if_empty(store, load_seed_file(write(tmp_path, data)))
    orders, _ = orders_page(store)
    assert [o["orderNumber"] for o in orders] == ["SO000007", "SO000008"]
    store.close()


def fill(store: Store, n: int) -> None:
    """100,000-row scale without the seed parser's cost: rows straight into SQLite."""
    with store.transaction() as (conn, now):
        conn.executemany(
            "INSERT INTO subscriptions (id, customer_id, name, status, renewal_status, "
            "expiration_date, expiration_anchor, period_type, period_duration) "
            "VALUES (?, ?, 'Comms Care', ?, 1, '2027-01-31', 31, 'month', 1)",
            [
                (2_000_000 + i, str(3_000_000 + i // 10), "active" if i % 7 else "hold")
                for i in range(n)
            ],
        )
        approved = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        conn.executemany(
            "INSERT INTO orders (id, order_number, type, customer_id, subscription_id, status, "
            "status_code, creation_date, approved_at) VALUES (?, ?, 'cancellation', ?, ?, ?, ?, "
            "'2026-11-01T00:00:00.000000Z', ?)",
            [
                (
                    5_000_001 + i,
                    f"SO{i + 1:06d}",
                    str(3_000_000 + i // 10),
                    2_000_000 + i,
                    *(("processing", "AP", approved) if i % 50 == 0 else ("completed", "CP", None)),
                )
                for i in range(0, n, 2)
            ],
        )


@pytest.mark.slow
def test_fast_at_100k_subscriptions(tmp_path: Path, clock: FakeClock) -> None:
    n = 100_000
    store = Store(str(tmp_path / "big.db"), clock, vendor_delay=60)
    fill(store, n)
    started = time.perf_counter()
    for i in range(200):
        sub_id = str(2_000_000 + (i * 4_999) % n)
        store.get_subscription(sub_id)
        orders_page(store, subscription_id=sub_id)
        store.list_subscriptions(customer_id=str(3_000_000 + i), status=None, offset=0, limit=10)
    per_request = (time.perf_counter() - started) / 600
    _, everything = store.list_subscriptions(customer_id=None, status=None, offset=0, limit=10)
    clock.advance(61)  # 2,000 approved cancellations complete in the next transaction
    started = time.perf_counter()
    _, terminated = store.list_subscriptions(
        customer_id=None, status="terminated", offset=0, limit=10
    )
    settle = time.perf_counter() - started
    started = time.perf_counter()
    store.get_subscription("2000001")  # nothing left to settle: cheap again
    after = time.perf_counter() - started
    store.close()
    assert everything == n
    assert terminated == 2_000
    # Generous bounds (shared CI machines); typical figures are ~0.3 ms, ~50 ms, ~0.2 ms.
    assert per_request < 0.01, per_request
    assert settle < 3, settle
    assert after < 0.05, after


def test_two_stores_on_one_file_serialise_their_writes(tmp_path: Path, clock: FakeClock) -> None:
    """An embedded run and a served sandbox may share a file: BEGIN IMMEDIATE orders them."""
    import threading

    db = tmp_path / "shared.db"
    stores = [open_store(db, seed=None, clock=clock), open_store(db, seed=None, clock=clock)]
    request = OrderRequest(type="renewal", customerId="1000275", subscriptionId="1000178")
    failures: list[BaseException] = []

    def renew(store: Store) -> None:
        try:
            for _ in range(40):
                store.create_order(request)
        except BaseException as err:  # reported below, in the test's thread
            failures.append(err)

    threads = [threading.Thread(target=renew, args=(s,)) for s in stores for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        # 160 renewals of a monthly subscription from 2026-12-15: 160 months later.
        assert stores[0].get_subscription("1000178")["expirationDate"] == "2040-04-15"
        _, total = orders_page(stores[1], subscription_id="1000178", limit=1)
        assert total == 160
    finally:
        for store in stores:
            store.close()


def test_a_database_from_before_the_extra_columns_still_opens(
    tmp_path: Path, clock: FakeClock
) -> None:
    # A .subctl/sandbox.db made by an older subctl has no `extra` columns (the published
    # fields a seed gave); opening it adds them rather than failing every request.
    path = tmp_path / "old.db"
    old_schema = db.SCHEMA.replace(",\n    extra TEXT NOT NULL DEFAULT '{}'", "")
    assert "extra" not in old_schema
    with sqlite3.connect(path) as conn:
        conn.executescript(old_schema)
        conn.execute(
            "INSERT INTO subscriptions (id, customer_id, name, status, renewal_status) "
            "VALUES (1, '2', 'Comms Care', 'active', 1)"
        )
    conn.close()
    store = Store(str(path), clock)
    try:
        assert store.get_subscription("1")["customerId"] == "2"
        store.update_subscription("1", renewal_status=None, attributes={"a": "b"})
    finally:
        store.close()
