"""Scenario generators and invariant checks shared by the reliability tests.

A scenario is a seed (subscriptions and orders for the sandbox) plus spec files that
ask for every kind of change, plus unmanaged subscriptions nobody declared. After any
number of runs, ``check_invariants`` compares SQLite snapshots taken before and after
(read straight from the sandbox's database file, so the faults of the server never get
in the way of looking) and the journal, and returns every broken rule it finds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.harness import (
    CREDENTIALS,
    Server,
    order,
    sub,
    write_specs,
)
from tests.support.served import start_served, stop_served

# The kinds of declaration a scenario cycles through; each asks for one change.
KINDS = (
    "auto-on",  # live renewalStatus false, declared true -> set-auto-renew
    "auto-off",  # live true, declared false -> set-auto-renew
    "renew",  # renewThrough 1-3 terms past expiry -> that many renewal orders
    "cancel-auto",  # cancel then approve
    "cancel-manual",  # cancel; the order waits for a human
    "approve-pa",  # an open PA cancellation exists -> approve it
    "withdraw-own",  # subctl's own open cancellation, declared active -> withdraw
    "in-sync",  # nothing to do
    "observe",  # drift in observe mode: never written
)
BASE_EXPIRY_YEAR = 2027
CUSTOMERS = ("1000275", "1000276", "1000277")
ACTIVE_CODES = frozenset({"PA", "AP"})


@dataclass
class Scenario:
    seed: dict[str, Any]
    spec_files: list[Path]
    kinds: dict[str, str]  # declared id -> kind
    terms: dict[str, int]  # declared id -> renewal terms expected
    unmanaged: list[str]
    seeded_orders: dict[str, str] = field(default_factory=dict)  # sub id -> seeded order id

    @property
    def declared(self) -> list[str]:
        return list(self.kinds)

    @property
    def paths(self) -> list[str]:
        return [str(p) for p in self.spec_files]


def _sid(i: int) -> str:
    return str(3000000 + i)


REASON = "Customer moved away"
CANCEL: dict[str, Any] = {"state": "cancelled", "cancellation": {"reason": REASON}}


def _declare(i: int, kind: str, sc: Scenario, orders: list[dict[str, Any]]) -> dict[str, Any]:
    """The spec entry for subscription ``i`` of ``kind``; seeds its orders if it needs any."""
    sid, customer = _sid(i), CUSTOMERS[i % len(CUSTOMERS)]
    entry: dict[str, Any] = {"id": sid, "name": f"sub {i} ({kind})"}
    if kind in ("approve-pa", "withdraw-own"):
        oid = str(4000000 + i)
        sc.seeded_orders[sid] = oid
        # Half the pending orders to approve were placed in the portal, not by subctl.
        by_subctl = kind == "withdraw-own" or i % 2 == 0
        orders.append(order(oid, sid, customer=customer, by_subctl=by_subctl))
    if kind == "auto-off":
        return entry | {"state": "active", "autoRenew": False}
    if kind == "renew":
        k = 1 + (i // len(KINDS)) % 3
        sc.terms[sid] = k
        return entry | {
            "state": "active",
            "autoRenew": True,
            "renewThrough": f"{BASE_EXPIRY_YEAR + k}-03-31",
        }
    if kind in ("cancel-auto", "approve-pa"):
        return entry | CANCEL
    if kind == "cancel-manual":
        return entry | {**CANCEL, "cancellation": {"reason": REASON, "approval": "manual"}}
    if kind == "observe":
        return entry | {**CANCEL, "mode": "observe"}
    return entry | {"state": "active", "autoRenew": True}


def make_scenario(
    folder: Path, n: int, *, unmanaged: int | None = None, kinds: tuple[str, ...] = KINDS
) -> Scenario:
    """``n`` declared subscriptions cycling through ``kinds``, plus unmanaged ones."""
    subs: list[dict[str, Any]] = []
    orders: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    sc = Scenario(seed={}, spec_files=[], kinds={}, terms={}, unmanaged=[])
    for i in range(n):
        kind = kinds[i % len(kinds)]
        sc.kinds[_sid(i)] = kind
        subs.append(sub(_sid(i), customer=CUSTOMERS[i % len(CUSTOMERS)], renew=kind != "auto-on"))
        entries.append(_declare(i, kind, sc, orders))
    for j in range(max(5, n // 10) if unmanaged is None else unmanaged):
        sid = str(3900000 + j)
        sc.unmanaged.append(sid)
        subs.append(sub(sid, customer=CUSTOMERS[j % len(CUSTOMERS)], renew=j % 2 == 0))
        if j % 3 == 0:  # an open subctl cancellation nobody declares: must stay untouched
            orders.append(order(str(4900000 + j), sid))
    per_file = 100
    for f, start in enumerate(range(0, len(entries), per_file)):
        sc.spec_files.append(write_specs(folder, f"set-{f:03d}", entries[start : start + per_file]))
    sc.seed = {"subscriptions": subs, "orders": orders}
    return sc


# -- looking at the sandbox's database ---------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    subs: dict[str, dict[str, Any]]
    orders: dict[str, dict[str, Any]]  # order id -> row

    def orders_of(self, sid: str, type_: str | None = None) -> list[dict[str, Any]]:
        return [
            o
            for o in self.orders.values()
            if o["subscription"] == sid and (type_ is None or o["type"] == type_)
        ]


def snapshot(db: Path) -> Snapshot:
    """Everything subctl could have written, read from SQLite without the server."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30.0)
    try:
        conn.row_factory = sqlite3.Row
        subs = {
            str(r["id"]): {
                "status": r["status"],
                "renewalStatus": bool(r["renewal_status"]),
                "expirationDate": r["expiration_date"],
            }
            for r in conn.execute("SELECT * FROM subscriptions")
        }
        orders = {
            str(r["id"]): {
                "id": str(r["id"]),
                "subscription": str(r["subscription_id"]),
                "type": r["type"],
                "code": r["status_code"],
                "attributes": json.loads(r["attributes"]),
            }
            for r in conn.execute("SELECT * FROM orders")
        }
    finally:
        conn.close()
    return Snapshot(subs, orders)


def read_journal(path: Path) -> list[dict[str, Any]]:
    """Journal lines; a torn last line (a SIGKILL mid-append) is ignored, not an error."""
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def check_invariants(
    sc: Scenario, before: Snapshot, after: Snapshot, journal: Iterable[dict[str, Any]]
) -> list[str]:
    """Every rule of the issue that the final state breaks, as readable lines."""
    problems: list[str] = []
    lines = list(journal)
    declared = set(sc.kinds)
    # Nothing outside the specs, and nothing in observe mode, was written.
    for sid, row in before.subs.items():
        if sid not in declared or sc.kinds[sid] == "observe":
            if after.subs.get(sid) != row:
                problems.append(f"{sid} (not managed) changed: {row} -> {after.subs.get(sid)}")
            if after.orders_of(sid) != before.orders_of(sid):
                problems.append(f"{sid} (not managed) orders changed")
    for oid, row in before.orders.items():
        if row["subscription"] not in declared and after.orders.get(oid) != row:
            problems.append(f"order {oid} of an unmanaged subscription changed")
    # Per declared subscription: no duplicate cancellation, renewals as planned.
    for sid, kind in sc.kinds.items():
        live = [o for o in after.orders_of(sid, "cancellation") if o["code"] != "CL"]
        if len(live) > 1:
            problems.append(f"{sid} ({kind}) has {len(live)} cancellation orders not withdrawn")
        renewals = len(after.orders_of(sid, "renewal"))
        if renewals != sc.terms.get(sid, 0):
            problems.append(
                f"{sid} ({kind}) has {renewals} renewal orders, planned {sc.terms.get(sid, 0)}"
            )
    # The journal and the sandbox agree.
    by_request = {
        o["attributes"].get("requestId"): o
        for o in after.orders.values()
        if o["attributes"].get("requestId")
    }
    journalled_orders = {ln.get("orderId") for ln in lines} | {
        by_request[ln["requestId"]]["id"] for ln in lines if ln.get("requestId") in by_request
    }
    for ln in lines:
        if ln.get("outcome") != "succeeded":
            continue
        sid, action = str(ln["subscription"]), str(ln["action"])
        oid = str(ln.get("orderId") or "")
        got = after.orders.get(oid)
        if action == "set-auto-renew":
            if sid in sc.kinds and after.subs[sid]["renewalStatus"] != (
                sc.kinds[sid] != "auto-off"
            ):
                problems.append(f"journal: set-auto-renew of {sid} succeeded, not visible")
        elif action in ("renew", "cancel"):
            want = "renewal" if action == "renew" else "cancellation"
            if got is None or got["subscription"] != sid or got["type"] != want:
                problems.append(f"journal: {action} of {sid} -> order {oid} not in the sandbox")
        elif action == "approve":
            if got is None or got["code"] not in ("AP", "CP"):
                problems.append(f"journal: approve of order {oid} not visible")
        elif action == "withdraw" and (got is None or got["code"] != "CL"):
            problems.append(f"journal: withdraw of order {oid} not visible")
    for oid, row in after.orders.items():
        if oid in before.orders or row["attributes"].get("placedBy") != "subctl":
            continue
        if oid not in journalled_orders:
            problems.append(f"order {oid} ({row['type']} of {row['subscription']}) not journalled")
    return problems


def check_final_state(sc: Scenario, after: Snapshot) -> list[str]:
    """Each kind ended where its declaration asked (vendor delay 0: cancellations done)."""
    problems: list[str] = []
    for sid, kind in sc.kinds.items():
        s = after.subs[sid]
        cancels = [o for o in after.orders_of(sid, "cancellation") if o["code"] != "CL"]
        ok = True
        if kind == "auto-on":
            ok = s["renewalStatus"] is True
        elif kind == "auto-off":
            ok = s["renewalStatus"] is False
        elif kind == "renew":
            ok = s["expirationDate"] == f"{BASE_EXPIRY_YEAR + sc.terms[sid]}-03-31"
        elif kind in ("cancel-auto", "approve-pa"):
            ok = s["status"] == "terminated" or [o["code"] for o in cancels] in (["AP"], ["CP"])
        elif kind == "cancel-manual":
            ok = [o["code"] for o in cancels] == ["PA"]
        elif kind == "withdraw-own":
            ok = not cancels and s["status"] == "active"
        if not ok:
            problems.append(f"{sid} ({kind}) did not reach its declared state: {s} {cancels}")
    return problems


# -- servers sharing one database -----------------------------------------------------


def start_on(db: Path, seed_file: Path, *extra: str, verbose: bool = False) -> Server:
    """A sandbox server on an existing (or new) database file, vendor delay 0."""
    started = start_served(
        db, "--vendor-delay", "0", *extra, seed=seed_file, credentials=CREDENTIALS, verbose=verbose
    )
    return Server(url=started.url, proc=started.proc, db=started.db)


def stop(server: Server) -> str:
    """Stop a server; returns its stderr (with the count of injected faults)."""
    return stop_served(server, interrupt=True, timeout=20)


def faults_reported(stderr: str) -> int:
    """The number from the sandbox's "injected N fault(s)" line; 0 if none."""
    for line in stderr.splitlines():
        if line.startswith("sandbox injected "):
            return int(line.split()[2])
    return 0
