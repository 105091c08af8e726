"""``subctl export`` over a real loopback sandbox: 500 mixed live subscriptions ->
spec files -> ``validate`` passes -> ``plan`` plans zero changes (adoption is a no-op)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from controller.report.specfile import SCHEMA_COMMENT
from tests.e2e.conftest import StartServer
from tests.e2e.harness import order, sub, subctl

CUSTOMERS = ("1000275", "1000310", "1000422", "1000501", "1000777", "2000001", "31")


def _seed(count: int = 500) -> dict[str, Any]:
    rng = random.Random(20261125)
    subs: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    for n in range(count):
        sid = str(3000000 + n * 7)  # not contiguous; numeric order differs from text order
        customer = CUSTOMERS[n % len(CUSTOMERS)]
        status = rng.choices(
            ["active", "terminated", "removed", "pending", "hold"], weights=[80, 10, 4, 3, 3]
        )[0]
        subs.append(
            sub(
                sid,
                customer=customer,
                status=status,
                renew=rng.random() < 0.6,
                period=rng.choice(["month", "year"]),
                expiry=f"2027-{rng.randint(1, 12):02d}-15",
                price="12.50" if n % 5 == 0 else None,
                name="Comms Care" if n % 50 else "Comms Care: Premium #2",
            )
        )
        if status == "active" and n % 40 == 1:  # someone cancelled in the portal
            orders.append(order(str(90000 + n), sid, customer=customer, by_subctl=False))
        if status == "active" and n % 40 == 2:  # subctl's own, approved, vendor working
            orders.append(order(str(90000 + n), sid, customer=customer, code="AP"))
    subs.append(sub("9", customer="1000275"))  # "9" sorts after "3000000" as text
    return {"subscriptions": subs, "orders": orders}


def test_export_of_500_mixed_subscriptions_plans_no_change(
    sandbox: StartServer, tmp_path: Path
) -> None:
    server = sandbox(_seed())
    out = tmp_path / "specs"
    exported = subctl(server, "export", "--out", str(out))
    assert exported.code == 0, exported.stderr
    assert exported.stdout == ""
    assert "exported 501 subscription(s) of 7 customer(s)" in exported.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(f"customer-{c}.yaml" for c in CUSTOMERS)
    first = (out / "customer-1000275.yaml").read_text(encoding="utf-8")
    assert first.splitlines()[0] == SCHEMA_COMMENT
    doc = yaml.safe_load(first)
    assert doc["metadata"]["name"] == "customer-1000275"
    assert doc["defaults"]["customerId"] == "1000275"
    ids = [s["id"] for s in doc["subscriptions"]]
    assert ids[0] == "9"
    assert ids == sorted(ids, key=int)

    valid = subctl(server, "validate", str(out))
    assert valid.code == 0, valid.stderr + valid.stdout
    plan = subctl(server, "plan", str(out), "--detailed-exitcode", "--format", "json")
    data = plan.json()
    assert data["errors"] == []
    # The only changes: a pending cancellation whose subscription still auto-renews gets
    # auto-renew turned off (issue 13: it could renew before the cancellation completes).
    steps = [(s["desiredState"], st) for s in data["subscriptions"] for st in s.get("steps", ())]
    assert all(
        state == "cancelled" and (st["action"], st["autoRenew"]) == ("set-auto-renew", False)
        for state, st in steps
    ), steps
    assert plan.code == (2 if steps else 0), plan.stdout[-3000:] + plan.stderr
    assert len(data["subscriptions"]) == 501
    assert data["unmanagedCount"] == 0
    kinds = {p["kind"] for p in data["inProgress"]}
    assert {"awaiting-manual-approval", "waiting-for-vendor", "provisioning"} <= kinds


def test_stdout_customer_filter_and_no_overwrite(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(_seed(60))
    one = subctl(server, "export", "--customer", "1000310")
    assert one.code == 0, one.stderr
    docs = list(yaml.safe_load_all(one.stdout))
    assert [d["metadata"]["name"] for d in docs] == ["customer-1000310"]
    out = tmp_path / "specs"
    assert subctl(server, "export", "--out", str(out), "--customer", "1000310").code == 0
    before = (out / "customer-1000310.yaml").read_text(encoding="utf-8")
    (out / "customer-1000310.yaml").write_text("# edited by hand\n", encoding="utf-8")
    again = subctl(server, "export", "--out", str(out))
    assert again.code == 1
    assert "refusing to overwrite" in again.stderr
    assert sorted(p.name for p in out.iterdir()) == ["customer-1000310.yaml"]  # nothing written
    forced = subctl(server, "export", "--out", str(out), "--force")
    assert forced.code == 0
    assert (out / "customer-1000310.yaml").read_text(encoding="utf-8") == before
    bad = subctl(server, "export", "--customer", "acme")
    assert bad.code == 1
    assert "digits" in bad.stderr


def test_unwritable_out_is_a_one_line_error(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox({"subscriptions": [sub("101")], "orders": []})
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    result = subctl(server, "export", "--out", str(blocker / "specs"))
    assert result.code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {blocker / 'specs'}: ")
    assert "internal error" not in result.stderr
