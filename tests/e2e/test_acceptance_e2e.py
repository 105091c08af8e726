"""Acceptance findings against DESIGN.md, each over a real sandbox on loopback.

Written from the contract's side (section 6: a seed holds Order objects in the API's
field names, whose ``orderNumber`` the published API types as any string)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import StartServer
from tests.e2e.harness import order, sub, subctl, write_specs


def test_a_seeded_order_number_of_any_form_is_kept_and_shown(
    sandbox: StartServer, tmp_path: Path
) -> None:
    # The seed used to refuse any orderNumber but SO + 6 to 12 digits ("SO1001" or
    # "ORD-7" stopped the server at start), which DESIGN.md section 6 does not ask.
    pending: dict[str, Any] = order("9001", "601") | {"orderNumber": "SO1001"}
    portal: dict[str, Any] = order("9002", "602", by_subctl=False) | {"orderNumber": "ORD-7"}
    server = sandbox({"subscriptions": [sub("601"), sub("602")], "orders": [pending, portal]})
    cancel = {"state": "cancelled", "cancellation": {"reason": "Closing down"}}
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [{"id": "601", **cancel}, {"id": "602", "state": "active", "autoRenew": True}],
    )
    plan = subctl(server, "plan", str(specs))
    assert plan.code == 1, plan.stderr  # 602's portal cancellation is a conflict error
    assert "SO1001" in plan.stdout
    assert "ORD-7" in plan.stdout
    applied = subctl(server, "apply", str(specs), "--yes")
    assert applied.code == 1, applied.stderr
    assert server.api().get("/orders/9001")["statusCode"] == "AP"
    assert server.api().get("/orders/9002")["statusCode"] == "PA"
