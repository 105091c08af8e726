"""The client over a real socket: a ``subctl sandbox serve`` subprocess on loopback.

Only what in-process tests cannot show: how a dropped connection and a committed write
whose connection then drops look through a real HTTP stack (uvicorn, h11, httpcore).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.marketplace.client import MarketplaceClient, PlaceOutcome, make_http_client
from controller.marketplace.models import OrderType
from controller.marketplace.settings import ApiSettings, Secret
from tests.e2e.harness import KEY, PASSWORD, USER, Server, start_server, stop_server, sub

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    seed = {"subscriptions": [sub("1000177"), sub("1000178")]}
    running = start_server(
        tmp_path, seed,
        "--fault-rate", "1", "--fault-kinds", "commit-drop,drop",
        "--fault-match", "POST /orders", "--fault-seed", "5",
    )  # fmt: skip
    yield running
    stop_server(running)


@pytest.mark.anyio
async def test_dropped_connections_over_a_socket_never_duplicate(server: Server) -> None:
    settings = ApiSettings(
        base_url=server.url, username=USER, password=Secret(PASSWORD),
        subscription_key=Secret(KEY), order_post_attempts=10,
    )  # fmt: skip
    async with make_http_client(settings) as http:
        client = MarketplaceClient(http, settings)
        outcomes = []
        for sid in ("1000177", "1000178"):
            result = await client.place_order(
                OrderType.RENEWAL, customer_id="1000275", subscription_id=sid,
                attributes={"placedBy": "subctl"},
            )  # fmt: skip
            outcomes.append(result.outcome)
    assert set(outcomes) == {PlaceOutcome.FOUND_AFTER_UNKNOWN_OUTCOME}
    probe = server.api()
    for sid in ("1000177", "1000178"):
        assert len(probe.orders(sid)) == 1
