"""The two yardsticks subctl's plan is measured against, each run as its own process.

``python -m bench.clients naive URL SPECS``: the naive way, as Terraform would do it:
one ``GET /subscriptions/{id}`` per declared subscription, ``NAIVE_PARALLELISM`` (10,
Terraform's default parallelism) in flight, with a bare httpx client (token first);
then the same planning (``make_plan``) on what came back.

``python -m bench.clients floor URL SPECS``: the floor: the spec files parsed with the
C YAML loader and every list page fetched with a bare httpx client (token, then for
subscriptions and each open/failed order status the first page, then the other pages
``FLOOR_CONCURRENCY`` at a time), JSON decoded and nothing else: no models, no checks,
no plan.

Both print one JSON line: what they did and how many requests they sent. Loopback only.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import yaml

from bench.sandbox import KEY, PASSWORD, USER

if TYPE_CHECKING:  # the floor must not pay for importing subctl
    from controller.spec.models import DesiredState

NAIVE_PARALLELISM = 10
FLOOR_CONCURRENCY = 8
PAGE = 100
ORDER_STATUSES = ("submitted", "processing", "error")


async def _token(http: httpx.AsyncClient) -> dict[str, str]:
    reply = await http.post(
        "/token",
        auth=(USER, PASSWORD),
        headers={"X-Subscription-Key": KEY},
        json={"marketplace": "uk"},
    )
    reply.raise_for_status()
    return {"Authorization": f"Bearer {reply.json()['token']}", "X-Subscription-Key": KEY}


def _check_loopback(url: str) -> None:
    host = httpx.URL(url).host
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"benchmarks only talk to loopback, not {host}")


async def naive(url: str, desired: DesiredState) -> dict[str, Any]:
    from controller.marketplace.models import Subscription
    from controller.plan.inputs import LiveState, PlanOptions
    from controller.plan.planner import make_plan

    bodies: dict[str, Any] = {}
    limits = httpx.Limits(max_connections=NAIVE_PARALLELISM)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        headers = await _token(http)
        gate = anyio.Semaphore(NAIVE_PARALLELISM)

        async def one(sub_id: str) -> None:
            async with gate:
                reply = await http.get(f"/subscriptions/{sub_id}", headers=headers)
                reply.raise_for_status()
                bodies[sub_id] = reply.json()

        async with anyio.create_task_group() as tg:
            for sub in desired.subscriptions:
                tg.start_soon(one, sub.id)
    live = LiveState(subscriptions={k: Subscription.model_validate(v) for k, v in bodies.items()})
    plan = make_plan(desired, live, PlanOptions(now=dt.datetime.now(dt.UTC)))
    return {"requests": 1 + len(bodies), "changes": plan.totals.changes}


def read_specs_fast(specs: Path) -> int:
    """The spec files through the C loader; the number of subscriptions declared."""
    docs = [
        yaml.load(p.read_text("utf-8"), Loader=yaml.CSafeLoader)
        for p in sorted(specs.glob("*.yaml"))
    ]
    return sum(len(d["subscriptions"]) for d in docs)


async def floor(url: str, declared: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=FLOOR_CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        headers = await _token(http)
        items = 0
        requests = 1

        async def page(path: str, offset: int, **query: str) -> dict[str, Any]:
            nonlocal items, requests
            params: dict[str, str | int] = {"offset": offset, "limit": PAGE, **query}
            reply = await http.get(path, headers=headers, params=params)
            reply.raise_for_status()
            body: dict[str, Any] = reply.json()
            items += len(body["data"])
            requests += 1
            return body

        gate = anyio.Semaphore(FLOOR_CONCURRENCY)

        async def gated(path: str, offset: int, **query: str) -> dict[str, Any]:
            async with gate:
                return await page(path, offset, **query)

        async def list_all(path: str, **query: str) -> None:
            total = (await gated(path, 0, **query))["pagination"]["total"]
            async with anyio.create_task_group() as tg:
                for offset in range(PAGE, total, PAGE):
                    tg.start_soon(partial(gated, path, offset, **query))

        async with anyio.create_task_group() as tg:
            tg.start_soon(list_all, "/subscriptions")
            for status in ORDER_STATUSES:
                tg.start_soon(partial(list_all, "/orders", status=status))
    return {"requests": requests, "items": items, "declared": declared}


def main(argv: list[str]) -> int:
    mode, url, specs = argv
    _check_loopback(url)
    if mode == "naive":
        from controller.spec.loader import load_specs

        result = anyio.run(naive, url, load_specs([specs]))
    else:
        result = anyio.run(floor, url, read_specs_fast(Path(specs)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
