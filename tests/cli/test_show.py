"""``subctl show ID [PATHS...]`` (issue 14) over a loopback sandbox: live state,
declaration, orders and the plan for one subscription, in text and JSON; read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import StartServer
from tests.e2e.harness import order, sub, subctl, write_specs

SEED: dict[str, Any] = {
    "subscriptions": [sub("202", price="70.50", renew=False), sub("203"), sub("204")],
    "orders": [
        order("9101", "202", code="CP", type_="renewal", created="2026-01-05T10:00:00Z"),
        order("9102", "203", code="PA", by_subctl=False, created="2026-01-06T10:00:00Z"),
    ],
}
ENTRIES = [
    {"id": "202", "state": "active", "autoRenew": True, "renewThrough": "2028-03-31"},
    {"id": "203", "state": "active", "autoRenew": True},
]


def test_show_text_and_json(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    specs = write_specs(tmp_path / "specs", "acme", ENTRIES)
    before = {i: server.api().orders(i) for i in ("202", "203")}

    text = subctl(server, "show", "202", str(specs))
    assert text.code == 0, text.stderr
    out = text.stdout
    assert "Subscription 202 'Comms Care', customer 1000275" in out
    assert "auto-renew off, expiry 2027-03-31" in out
    assert "period 1 year, price 70.50 GBP per period" in out
    assert f"Declared at {specs}:6: state active, autoRenew true, renewThrough 2028-03-31" in out
    assert "SO009101  renewal  completed  CP" in out
    assert "subctl" in out.split("SO009101", 1)[1].splitlines()[0]  # placed by
    assert "set-auto-renew  enable auto-renew" in out
    assert "renew           1 term: expiry 2027-03-31 -> 2028-03-31, 70.50 GBP" in out

    data = subctl(server, "show", "203", str(specs), "--format", "json").json()
    assert data["subscription"]["autoRenew"] is True
    assert data["declaration"]["source"].endswith("acme.yaml:10")
    assert [(o["orderNumber"], o["open"], o["placedBy"]) for o in data["orders"]] == [
        ("SO009102", True, None)
    ]
    assert data["plan"]["status"] == "error"
    assert [e["code"] for e in data["plan"]["errors"]] == ["portal-cancellation"]

    unmanaged = subctl(server, "show", "204", str(specs))
    assert "Not declared: unmanaged (subctl never touches it)." in unmanaged.stdout
    assert "Plan: nothing (not declared)." in unmanaged.stdout
    no_paths = subctl(server, "show", "204", "--format", "json")
    assert no_paths.json()["declaration"] is None

    missing = subctl(server, "show", "999")
    assert missing.code == 1
    assert missing.stderr.strip().endswith(
        f"subscription 999 not found in the marketplace ({server.url})"
    )

    assert {i: server.api().orders(i) for i in ("202", "203")} == before  # read-only
    assert not (tmp_path / ".subctl" / "journal.jsonl").exists()
