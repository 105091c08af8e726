"""End-to-end harness: a real sandbox server over loopback, seeds, specs, and the CLI.

The server is ``python -m controller sandbox serve --port 0`` in a subprocess (a real
uvicorn on 127.0.0.1); subctl runs in-process through click's runner (fast) or as a
subprocess where a test needs a real process. Nothing here mocks our own code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner

from controller.cli import main
from tests.support.served import (
    Credentials,
    Served,
    process_env,
    start_served,
    stop_served,
)

USER, PASSWORD, KEY = "e2e-user", "e2e-password-7f3a", "e2e-key-91bc"
CREDENTIALS = Credentials(USER, PASSWORD, KEY)


def sub(
    sub_id: str,
    *,
    customer: str = "1000275",
    status: str = "active",
    renew: bool = True,
    expiry: str = "2027-03-31",
    period: str = "year",
    price: str | None = None,
    name: str = "Comms Care",
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": sub_id,
        "name": name,
        "customerId": customer,
        "status": status,
        "renewalStatus": renew,
        "creationDate": "2025-01-01",
        "renewalDate": expiry,
        "expirationDate": expiry,
        "subscriptionPeriod": {"type": period, "duration": 1},
        "billingPeriod": {"type": period, "duration": 1},
    }
    if price is not None:
        data["totalPrice"] = {"amount": price, "currency": "GBP"}
    return data


def order(
    order_id: str,
    sub_id: str,
    *,
    code: str = "PA",
    type_: str = "cancellation",
    customer: str = "1000275",
    by_subctl: bool = True,
    created: str | None = None,
) -> dict[str, Any]:
    attrs = {"cancellationReason": "moved away"} if type_ == "cancellation" else {}
    if by_subctl:
        attrs["placedBy"] = "subctl"
    data: dict[str, Any] = {
        "id": order_id,
        "orderNumber": f"SO{order_id.zfill(6)}",
        "type": type_,
        "customerId": customer,
        "subscriptionId": sub_id,
        "statusCode": code,
        "attributes": attrs,
    }
    if created is not None:
        data["creationDate"] = created
    return data


def write_specs(folder: Path, name: str, entries: list[dict[str, Any]], **defaults: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {
        "apiVersion": "subctl/v1",
        "kind": "SubscriptionSet",
        "metadata": {"name": name},
        "subscriptions": entries,
    }
    if defaults:
        doc["defaults"] = defaults
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Server(Served):
    def api(self) -> ApiProbe:
        return ApiProbe(self.url)


@dataclass
class ApiProbe:
    """A plain httpx client to look at the sandbox from outside subctl."""

    url: str
    _headers: dict[str, str] = field(default_factory=dict)

    def _login(self) -> dict[str, str]:
        if not self._headers:
            r = httpx.post(
                self.url + "/token",
                auth=(USER, PASSWORD),
                headers={"X-Subscription-Key": KEY},
                json={"marketplace": "uk"},
            )
            r.raise_for_status()
            self._headers = {
                "Authorization": f"Bearer {r.json()['token']}",
                "X-Subscription-Key": KEY,
            }
        return self._headers

    def get(self, path: str, **params: Any) -> Any:
        r = httpx.get(self.url + path, headers=self._login(), params=params)
        r.raise_for_status()
        return r.json()

    def patch(self, path: str, body: Any) -> Any:
        r = httpx.patch(self.url + path, headers=self._login(), json=body)
        r.raise_for_status()
        return r.json()

    def orders(self, sub_id: str) -> list[dict[str, Any]]:
        """The subscription's orders, each read whole: list items of the minimal profile
        (like the published API's) carry neither subscriptionId nor attributes."""
        listed = self.get("/orders", subscriptionId=sub_id, limit=100)["data"]
        return [dict(self.get(f"/orders/{o['id']}")) for o in listed]

    def subscription(self, sub_id: str) -> dict[str, Any]:
        return dict(self.get(f"/subscriptions/{sub_id}"))


@pytest.fixture(name="profile")
def full_profile() -> str:
    """The sandbox profile for folders that share the e2e ``sandbox`` fixture but test the
    full profile only (cli, gitops, notify, status): their conftest imports it."""
    return "full"


def start_server(tmp: Path, seed: Mapping[str, Any], *extra: str, profile: str = "full") -> Server:
    """A sandbox server on loopback; ``profile="minimal"`` answers only what the spec guarantees."""
    seed_file = tmp / "seed.json"
    seed_file.write_text(json.dumps(seed), encoding="utf-8")
    started = start_served(
        tmp / "sandbox.db", *extra, seed=seed_file, profile=profile, credentials=CREDENTIALS
    )
    return Server(url=started.url, proc=started.proc, db=started.db)


def stop_server(server: Server) -> None:
    stop_served(server)


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def env_for(server: Server | None) -> dict[str, str]:
    env = {
        "SUBCTL_USERNAME": USER,
        "SUBCTL_PASSWORD": PASSWORD,
        "SUBCTL_SUBSCRIPTION_KEY": KEY,
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    }
    env["SUBCTL_API_URL"] = server.url if server else "sandbox"
    return env


def subctl(server: Server | None, *args: str, input_: str | None = None) -> Result:
    """Run subctl in-process against ``server`` (or the embedded sandbox if None)."""
    runner = CliRunner()
    result = runner.invoke(main, list(args), env=env_for(server), input=input_)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def subctl_process(server: Server | None, *args: str, cwd: Path) -> Result:
    env = process_env(env_for(server))
    proc = subprocess.run(
        [sys.executable, "-m", "controller", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def lines(path: Path) -> Iterator[dict[str, Any]]:
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip()
