"""``subctl sandbox serve`` over a loopback port: a real uvicorn in a subprocess."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from controller.sandbox.server import bind
from tests.sandbox.support import (
    KEY,
    assert_error,
    auth_headers,
    cancellation,
    renewal,
    token_response,
)
from tests.support.served import start_served, stop_served

pytestmark = pytest.mark.slow


@contextmanager
def served(db: Path, *args: str) -> Iterator[str]:
    """Run a server on a free port; after it stops, its stderr must hold no traceback."""
    db.parent.mkdir(parents=True, exist_ok=True)
    errors = db.parent / f"{db.name}.stderr"
    with errors.open("w") as stderr:  # a file, not a pipe: a chatty server never blocks
        server = start_served(db, *args, stderr=stderr)
        try:
            yield server.url
        finally:
            stop_served(server)
    assert "Traceback" not in errors.read_text()


def login(client: httpx.Client) -> dict[str, str]:
    response = token_response(client)
    assert response.status_code == 200
    assert response.headers["x-correlation-id"]
    return auth_headers(response.json()["token"])


def test_serves_the_demo_set_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "state" / "sandbox.db"
    with served(db, "--vendor-delay", "0") as url, httpx.Client(base_url=url) as client:
        headers = login(client)
        subs = client.get("/subscriptions", headers=headers, params={"limit": 100}).json()
        assert subs["pagination"]["total"] == 9
        order = client.post(
            "/orders", headers=headers, json=cancellation("1000179", "1000275")
        ).json()
        approved = client.patch(
            f"/orders/{order['id']}", headers=headers, json={"statusCode": "AP"}
        )
        assert approved.json()["statusCode"] == "AP"
        # Vendor delay 0: complete on the very next request, by the wall clock.
        assert client.get(f"/orders/{order['id']}", headers=headers).json()["statusCode"] == "CP"
        assert_error(client.get("/nowhere", headers=headers), 404, "/nowhere")
    with served(db) as url, httpx.Client(base_url=url) as client:
        headers = login(client)
        assert (
            client.get("/subscriptions/1000179", headers=headers).json()["status"] == "terminated"
        )
        orders = client.get("/orders", headers=headers).json()
        assert orders["pagination"]["total"] == 2  # the seeded one and ours, not seeded twice


def test_faults_over_a_socket(tmp_path: Path) -> None:
    args = ["--fault-rate", "1", "--fault-kinds", "drop", "--fault-match", "POST /orders"]
    with served(tmp_path / "a.db", *args) as url, httpx.Client(base_url=url) as client:
        headers = login(client)
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/orders", headers=headers, json=renewal("1000177", "1000275"))
        assert client.get("/subscriptions/1000177", headers=headers).status_code == 200
    args = ["--fault-rate", "1", "--fault-kinds", "commit-502,429", "--fault-match", "PATCH *"]
    args += ["--fault-seed", "3"]
    with served(tmp_path / "b.db", *args) as url, httpx.Client(base_url=url) as client:
        headers = login(client)
        statuses = set()
        for value in (True, False, True, False, True, False):
            response = client.patch(
                "/subscriptions/1000179", headers=headers, json={"renewalStatus": value}
            )
            statuses.add(response.status_code)
            if response.status_code == 429:
                assert response.headers["retry-after"] == "1"
        assert statuses == {429, 502}


def test_minimal_profile_over_a_socket(tmp_path: Path) -> None:
    args = ["--profile", "minimal", "--renewal-delay", "3600"]
    with served(tmp_path / "m.db", *args) as url, httpx.Client(base_url=url) as client:
        token = client.post(
            "/token", auth=("sandbox", "sandbox"), headers={"X-Subscription-Key": KEY}
        )
        assert token.json()["expiresInSeconds"] == 1500
        headers = {"X-Subscription-Key": KEY, "Authorization": f"Bearer {token.json()['token']}"}
        page = client.get("/orders", headers=headers, params={"limit": 100}).json()
        assert page["pagination"]["limit"] == 25
        assert "subscriptionId" not in page["data"][0]
        order = client.post("/orders", headers=headers, json=renewal("1000177", "1000275"))
        assert (order.json()["status"], order.json()["statusCode"]) == ("submitted", "SB")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--fault-kinds", "418"], "unknown fault kind"),
        (["--seed", "{seed}"], "seed.yaml"),
        (["--fault-rate", "2"], "fault-rate"),
        (["--profile", "kind"], "profile"),
    ],
)
def test_bad_options_exit_1_without_a_traceback(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    from click.testing import CliRunner

    from controller.cli import main

    seed = tmp_path / "seed.yaml"
    seed.write_text("subscriptions: [{id: nope}]")
    argv = ["sandbox", "serve", "--db", str(tmp_path / "x.db")]
    argv += [a.format(seed=seed) for a in args]
    result = CliRunner().invoke(main, argv)
    assert result.exit_code in (1, 2)  # 2: click's own usage errors
    assert fragment in result.output
    assert "Traceback" not in result.output


def test_listening_socket_is_tcp_so_accepted_connections_get_nodelay() -> None:
    # asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP; with proto 0,
    # Nagle and delayed ACKs added ~40 ms to every request on a kept-alive connection.
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
