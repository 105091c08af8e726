"""The invariant checks themselves can fail: each rule is fed a state that breaks it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.reliability.scenario import (
    Scenario,
    Snapshot,
    check_final_state,
    check_invariants,
    make_scenario,
)


def _state(sc: Scenario) -> Snapshot:
    subs = {
        s["id"]: {
            "status": s["status"],
            "renewalStatus": s["renewalStatus"],
            "expirationDate": s["expirationDate"],
        }
        for s in sc.seed["subscriptions"]
    }
    orders = {
        o["id"]: {
            "id": o["id"],
            "subscription": o["subscriptionId"],
            "type": o["type"],
            "code": o["statusCode"],
            "attributes": dict(o["attributes"]),
        }
        for o in sc.seed["orders"]
    }
    return Snapshot(subs, orders)


def _order(oid: str, sid: str, type_: str, **attrs: Any) -> dict[str, Any]:
    return {"id": oid, "subscription": sid, "type": type_, "code": "PA", "attributes": attrs}


def test_each_broken_rule_is_reported(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path, 18)
    before = _state(sc)
    untouched = check_invariants(sc, before, before, [])
    assert untouched  # nothing renewed yet
    assert all("renewal orders, planned" in p for p in untouched), untouched
    after = copy.deepcopy(before)
    cancel_auto = next(s for s, k in sc.kinds.items() if k == "cancel-auto")
    renew = next(s for s, k in sc.kinds.items() if k == "renew")
    outside = sc.unmanaged[1]
    after.orders["1"] = _order("1", cancel_auto, "cancellation", placedBy="subctl")
    after.orders["2"] = _order("2", cancel_auto, "cancellation", placedBy="subctl")
    after.orders["3"] = _order("3", renew, "renewal", placedBy="subctl", requestId="r3")
    after.orders["4"] = _order("4", renew, "renewal", placedBy="subctl", requestId="r4")
    after.subs[outside]["renewalStatus"] = not after.subs[outside]["renewalStatus"]
    journal = [
        {"subscription": renew, "action": "renew", "orderId": "3", "outcome": "succeeded"},
        {"subscription": renew, "action": "renew", "requestId": "r4", "outcome": "failed"},
        {"subscription": renew, "action": "renew", "orderId": "99", "outcome": "succeeded"},
        {"subscription": cancel_auto, "action": "cancel", "orderId": "1", "outcome": "succeeded"},
    ]
    problems = "\n".join(check_invariants(sc, before, after, journal))
    assert f"{cancel_auto} (cancel-auto) has 2 cancellation orders" in problems
    assert f"{renew} (renew) has 2 renewal orders, planned 1" in problems
    assert f"{outside} (not managed) changed" in problems
    assert "order 99 not in the sandbox" in problems
    assert "order 2 (cancellation" in problems  # no journal line names it
    assert "order 4" not in problems  # joined by its requestId
    assert f"{renew} (renew) did not reach" in "\n".join(check_final_state(sc, before))
