"""A deliberately broken marketplace: valid tokens, then hostile answers.

A tiny Starlette app served by uvicorn on 127.0.0.1 in a thread. ``BrokenApi.mode``
picks what the listings return; every write that reaches it is recorded in
``writes`` so a test can prove that nothing was written on the strength of garbage.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MiB = 1024 * 1024
# Built once at import: the server shares the test's process, and memory the server
# spends per request must not be mistaken for memory the client spent.
_CHUNK = b"x" * MiB
HUGE_DECLARED = b"[" + b" " * (11 * MiB) + b"]"
DRIP_SECONDS = 0.5
DRIP_MAX_SECONDS = 60.0  # the server gives up eventually, so a hung client cannot hang CI

MODES = (
    "wrong-types",
    "unknown-enum",
    "orders-unknown-enum",
    "huge-streamed",
    "huge-declared",
    "not-json",
    "error-huge",
    "error-not-json",
    "drip",
)
# Valid answers whose text fields carry terminal escapes: must never reach a terminal.
ESCAPES = "escapes-in-data"
EVIL = "\x1b]0;pwned\x07\x1b[2J\u202e"
# Valid listings; every write is refused with a 400 whose body and headers echo the
# request's credentials (key, bearer token) back.
ECHO_SECRETS = "echo-secrets"
# POST /token answers a token with a trailing newline (cannot go in a header).
BAD_TOKEN = "bad-token"
BAD_TOKEN_VALUE = "tok-7c1e9f2a-secret\n"
# Valid answers, but GET /orders/{id} takes ``order_delay`` seconds (apply --wait's bound).
SLOW_ORDER = "slow-order"
# Every control a server could send: CSI, OSC 8 link, CR, bidi override, C1 CSI.
EVIL_ALL = "\x1b[2J\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\r\u202e\u2066\x9b31m"


def _sub(sid: str = "3000000", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": sid,
        "name": "Comms Care",
        "customerId": "1000275",
        "status": "active",
        "renewalStatus": True,
        "expirationDate": "2027-03-31",
        "renewalDate": "2027-03-31",
        "subscriptionPeriod": {"type": "year", "duration": 1},
    }
    return data | over


def _page(items: list[Any]) -> dict[str, Any]:
    return {"data": items, "pagination": {"offset": 0, "limit": 100, "total": len(items)}}


async def _huge(total: int) -> AsyncIterator[bytes]:
    yield b'{"data": [], "pad": "'
    for _ in range(total // MiB):
        yield _CHUNK
    yield b'"}'


async def _drip() -> AsyncIterator[bytes]:
    started = time.monotonic()
    yield b'{"data": ['
    while time.monotonic() - started < DRIP_MAX_SECONDS:
        await asyncio.sleep(DRIP_SECONDS)
        yield b" "


@dataclass
class BrokenApi:
    mode: str = "wrong-types"
    writes: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    order_delay: float = 0.0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/token", self.token, methods=["POST"]),
                Route("/subscriptions", self.subscriptions, methods=["GET"]),
                Route("/orders", self.orders, methods=["GET", "POST"]),
                Route("/orders/{oid}", self.order, methods=["GET", "PATCH"]),
                Route("/{rest:path}", self.other, methods=["GET", "POST", "PATCH"]),
            ]
        )

    async def token(self, request: Request) -> Response:
        if self.mode == BAD_TOKEN:
            return JSONResponse({"token": BAD_TOKEN_VALUE, "expiresInSeconds": 3600})
        return JSONResponse({"token": "t" * 40, "expiresInSeconds": 3600})

    async def subscriptions(self, request: Request) -> Response:
        self.requests.append(f"GET {request.url.path}")
        mode = self.mode
        if mode == "wrong-types":
            bad = _sub(id=3000000, status=["active"], renewalStatus="maybe")
            return JSONResponse({"data": [bad], "pagination": {"offset": "zero"}})
        if mode == "unknown-enum":
            return JSONResponse(_page([_sub(status="frozen-by-vendor")]))
        if mode == "huge-streamed":
            return StreamingResponse(_huge(11 * MiB), media_type="application/json")
        if mode == "huge-declared":
            return Response(HUGE_DECLARED, media_type="application/json")
        if mode == "not-json":
            return Response("<html><body>502 Bad Gateway</body></html>", media_type="text/html")
        if mode == "error-huge":
            return StreamingResponse(_huge(20 * MiB), status_code=500, media_type="text/plain")
        if mode == "error-not-json":
            return Response("upstream \x1b[31mbroke\x1b[0m", status_code=400)
        if mode == "drip":
            return StreamingResponse(_drip(), media_type="application/json")
        if mode == ESCAPES:
            return JSONResponse(
                _page([_sub(name=f"Comms{EVIL}Care"), _sub("3000001", renewalStatus=False)])
            )
        # 3000001 is being cancelled: its auto-renew is already off, so the only write a
        # test sees is the approval of order 77 (this server has no PATCH /subscriptions).
        return JSONResponse(_page([_sub(), _sub("3000001", renewalStatus=False)]))

    async def orders(self, request: Request) -> Response:
        if request.method != "GET":
            self.writes.append(f"{request.method} {request.url.path}")
            return JSONResponse({"id": "1"}, status_code=201)
        self.requests.append(f"GET {request.url.path}")
        if self.mode in (ESCAPES, SLOW_ORDER):
            evil = {
                "id": "77",
                "orderNumber": f"SO77{EVIL}",
                "type": "cancellation",
                "subscriptionId": "3000001",
                "customerId": "1000275",
                "status": "submitted",
                "statusCode": "PA",
                "creationDate": "2020-01-01T00:00:00Z",
                "attributes": {"placedBy": f"someone{EVIL}", "cancellationReason": EVIL},
            }
            return JSONResponse(_page([evil]))
        if self.mode == "orders-unknown-enum":
            weird = {
                "id": "77",
                "type": "cancellation",
                "subscriptionId": "3000000",
                "customerId": "1000275",
                "status": "on-hold-at-vendor",
                "statusCode": "HD",
            }
            return JSONResponse(_page([weird]))
        return JSONResponse(_page([]))

    def _order77(self, status: str, code: str) -> dict[str, Any]:
        evil = self.mode == ESCAPES
        return {
            "id": "77",
            "orderNumber": f"SO77{EVIL_ALL}" if evil else "SO77",
            "type": "cancellation",
            "subscriptionId": "3000001",
            "customerId": "1000275",
            "status": status,
            "statusCode": code,
            "creationDate": "2020-01-01T00:00:00Z",
            "attributes": {"cancellationReason": EVIL_ALL if evil else "moved away"},
        }

    async def order(self, request: Request) -> Response:
        """Order 77 (the open cancellation the listings show): approve it, then read it."""
        if self.mode not in (ESCAPES, SLOW_ORDER) or request.path_params["oid"] != "77":
            return await self.other(request)
        if request.method == "PATCH":
            self.writes.append(f"PATCH {request.url.path}")
            return JSONResponse(self._order77("processing", "AP"))
        self.requests.append(f"GET {request.url.path}")
        approved = f"PATCH {request.url.path}" in self.writes
        if self.mode == SLOW_ORDER and not approved:
            # The read that checks the order before approving it (whose it is, its type)
            # is answered at once: only the vendor's side, after approval, is slow.
            return JSONResponse(self._order77("submitted", "PA"))
        if self.order_delay:
            await asyncio.sleep(self.order_delay)
        return JSONResponse(self._order77("completed", "CP"))

    async def other(self, request: Request) -> Response:
        if request.method != "GET":
            self.writes.append(f"{request.method} {request.url.path}")
        if self.mode == ECHO_SECRETS and request.method != "GET":
            key = request.headers.get("x-subscription-key", "")
            auth = request.headers.get("authorization", "")
            echoed = f"refused: key {key}, {auth}"
            return JSONResponse(
                {"status": 400, "message": echoed},
                status_code=400,
                headers={"X-Correlation-ID": f"cid {key}"},
            )
        return JSONResponse({"status": 404, "message": "No entity has been found"}, 400)


@contextmanager
def serve(api: BrokenApi) -> Iterator[str]:
    """Serve ``api`` on a free loopback port in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(api.app(), log_level="critical", lifespan="off", log_config=None)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True  # do not wait for a drip response to finish
        thread.join(timeout=10)
        sock.close()
