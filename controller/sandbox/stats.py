"""Sandbox-only request statistics: ``GET /_sandbox/stats`` and ``DELETE /_sandbox/stats``.

The outermost ASGI layer of the sandbox app. It notes every API request (method, path
template, arrival time on the monotonic clock) before latency and faults, and answers the
admin path itself, so benchmarks and tests can count calls and measure the request rate
from the server side. Not part of the marketplace API; the real marketplace has nothing
like it. The admin path needs the subscription key, like every API call; it is never
counted, never delayed and never faulted.

Answer: ``{"total": n, "requests": {"GET /subscriptions": n, ...}, "firstAt", "lastAt",
"maxPerSecond", "meanPerSecond"}``; ``maxPerSecond`` is the most requests that arrived in
any one-second window, ``meanPerSecond`` is ``(total - 1) / (lastAt - firstAt)``.
"""

from __future__ import annotations

import hmac
import json
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

STATS_PATH = "/_sandbox/stats"
MAX_REMEMBERED = 2_000_000  # arrival times kept for the rate figures (16 MB at most)

_ID_SEGMENT = re.compile(r"^/(subscriptions|orders)/(?!estimate$)[^/]+$")


def template(path: str) -> str:
    """``/orders/5000001`` -> ``/orders/{id}``; other paths as they are."""
    match = _ID_SEGMENT.match(path)
    return f"/{match.group(1)}/{{id}}" if match else path


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most entries of the sorted ``times`` within any ``window`` seconds."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


class RequestStats:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._times: deque[float] = deque(maxlen=MAX_REMEMBERED)

    def note(self, method: str, path: str) -> None:
        with self._lock:
            self._counts[f"{method} {template(path)}"] += 1
            self._times.append(self._clock())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._times.clear()

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            counts = dict(sorted(self._counts.items()))
            times = list(self._times)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return {
            "total": sum(counts.values()),
            "requests": counts,
            "firstAt": times[0] if times else None,
            "lastAt": times[-1] if times else None,
            "maxPerSecond": max_in_window(times),
            "meanPerSecond": round((len(times) - 1) / span, 3) if span > 0 else None,
        }


class StatsLayer:
    """Counts requests and serves the admin path; wraps the whole sandbox app."""

    def __init__(self, app: ASGIApp, subscription_key: str, stats: RequestStats) -> None:
        self.app = app
        self.key = subscription_key.encode()
        self.stats = stats

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] != STATS_PATH:
            self.stats.note(scope["method"], scope["path"])
            await self.app(scope, receive, send)
            return
        body: dict[str, object]
        given = dict(scope.get("headers") or []).get(b"x-subscription-key", b"")
        if not hmac.compare_digest(given, self.key):
            status, body = 401, {"message": "Access denied due to missing or invalid key"}
        elif scope["method"] == "GET":
            status, body = 200, self.stats.snapshot()
        elif scope["method"] == "DELETE":
            self.stats.reset()
            status, body = 200, {"total": 0}
        else:
            status, body = 405, {"message": "Method not allowed"}
        raw = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(raw))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})
