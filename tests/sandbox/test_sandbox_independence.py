"""The sandbox stands alone: it never loads the client, planner, executor or observer.

Issue 12: with shared models, one wrong idea of the API hides on both sides. The
import-linter contract in pyproject.toml checks the static imports; this checks what a
running sandbox actually loads, lazy imports included.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ["controller.marketplace", "controller.plan", "controller.apply", "controller.observe"]

PROGRAM = """
import sys, httpx
from controller.sandbox.embedded import embedded_sync_transport, BASE_URL
from controller.sandbox import command, server  # the CLI command and uvicorn server too
with httpx.Client(transport=embedded_sync_transport(":memory:"), base_url=BASE_URL) as c:
    t = c.post("/token", auth=("sandbox", "sandbox"), headers={"X-Subscription-Key": "sandbox-key"})
    h = {"Authorization": "Bearer " + t.json()["token"], "X-Subscription-Key": "sandbox-key"}
    assert c.get("/subscriptions", headers=h).status_code == 200
    body = {"type": "renewal", "customerId": "1000275", "subscriptionId": "1000178"}
    assert c.post("/orders", json=body, headers=h).status_code == 201
print("\\n".join(sorted(m for m in sys.modules if m.startswith("controller"))))
"""


def test_a_working_sandbox_loads_no_client_code() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = done.stdout.split()
    assert "controller.sandbox.store" in loaded
    leaked = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert leaked == []


def test_the_import_linter_contract_is_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    ours = [c for c in contracts if c.get("source_modules") == ["controller.sandbox"]]
    assert len(ours) == 1
    assert ours[0]["type"] == "forbidden"
    assert sorted(ours[0]["forbidden_modules"]) == sorted(FORBIDDEN)
