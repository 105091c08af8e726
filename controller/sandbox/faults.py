"""Fault injection and latency for the sandbox marketplace (an ASGI middleware).

Sits inside the correlation layer (so fault answers carry ``X-Correlation-ID``) and in
front of the routes. Per request, with probability ``fault_rate`` drawn from a PRNG
seeded by ``fault_seed``, one of the configured kinds happens instead of a normal answer:

- ``500`` / ``503``: an error body, nothing done;
- ``429``: an error body with ``Retry-After`` (seconds), nothing done;
- ``drop``: the request is read, the response starts and the connection is closed
  without a body, nothing done;
- ``commit-502`` (writes only): the write is committed, then a 502 is returned;
- ``commit-drop`` (writes only, opt-in): the write is committed, then the connection drops.

A dropped connection is ``DroppedConnection`` raised after ``http.response.start``:
uvicorn then closes the socket mid-response (the client sees a protocol error), and the
embedded transport turns it into ``httpx.RemoteProtocolError``.
"""

from __future__ import annotations

import fnmatch
import json
import random
import threading
from collections import Counter

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from controller.sandbox.clock import Clock
from controller.sandbox.config import (
    FAULT_429,
    FAULT_500,
    FAULT_503,
    FAULT_COMMIT_502,
    FAULT_COMMIT_DROP,
    FAULT_DROP,
    SandboxConfig,
)
from controller.sandbox.problems import DroppedConnection, error_body, new_correlation_id

WRITE_ONLY_KINDS = frozenset({FAULT_COMMIT_502, FAULT_COMMIT_DROP})
_NOT_WRITES = frozenset({"/token", "/orders/estimate"})


def is_write(method: str, path: str) -> bool:
    return method in ("POST", "PATCH", "PUT", "DELETE") and path not in _NOT_WRITES


class FaultPlan:
    """Decides, request by request, whether and how to fail. Deterministic for a seed."""

    def __init__(self, config: SandboxConfig, injected: Counter[str] | None = None) -> None:
        self._rate = config.fault_rate
        self._kinds = config.fault_kinds
        self._match = config.fault_match
        self._random = random.Random(config.fault_seed)
        self._lock = threading.Lock()
        # How many of each kind were injected: `sandbox serve` reports it on exit, so a
        # reliability run can say how hard it was hit.
        self.injected: Counter[str] = Counter() if injected is None else injected

    def draw(self, method: str, path: str) -> str | None:
        if self._rate <= 0 or not self._kinds:
            return None
        target = f"{method} {path}"
        if self._match and not any(fnmatch.fnmatchcase(target, p) for p in self._match):
            return None
        kinds = [k for k in self._kinds if k not in WRITE_ONLY_KINDS or is_write(method, path)]
        with self._lock:
            if not kinds or self._random.random() >= self._rate:
                return None
            kind = self._random.choice(kinds)
            self.injected[kind] += 1
            return kind


class FaultMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        config: SandboxConfig,
        clock: Clock,
        injected: Counter[str] | None = None,
    ) -> None:
        self.app = app
        self.plan = FaultPlan(config, injected)
        self.latency = config.latency_ms / 1000.0
        self.retry_after = config.retry_after_seconds
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.latency:
            await anyio.sleep(self.latency)
        kind = self.plan.draw(scope["method"], scope["path"])
        if kind is None:
            await self.app(scope, receive, send)
        elif kind in (FAULT_500, FAULT_503):
            await self._error(scope, send, int(kind), "Injected fault: service unavailable")
        elif kind == FAULT_429:
            await self._error(scope, send, 429, "Too many requests", retry_after=True)
        elif kind == FAULT_DROP:
            await _drain(receive)
            await _drop(send)
        else:
            await self.app(scope, receive, _swallow)  # the write is committed...
            if kind == FAULT_COMMIT_DROP:
                await _drop(send)  # ...and the answer is lost
            else:
                await self._error(scope, send, 502, "Bad gateway: upstream answer lost")

    async def _error(
        self, scope: Scope, send: Send, status: int, message: str, *, retry_after: bool = False
    ) -> None:
        state = scope.get("state") or {}
        cid = str(state.get("correlation_id") or new_correlation_id())
        body = json.dumps(
            error_body(status, message, scope["path"], cid, self.clock.now())
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if retry_after:
            headers.append((b"retry-after", str(self.retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _swallow(message: Message) -> None:
    """A send that loses the app's answer, as a gateway that dropped it would."""


async def _drain(receive: Receive) -> None:
    """Read the request body first: closing a socket with unread data makes the kernel
    answer with a reset, so the client would see "connection reset" or "server
    disconnected" depending on timing. Drained, a drop is always the latter."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _drop(send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise DroppedConnection("injected fault: connection dropped")
