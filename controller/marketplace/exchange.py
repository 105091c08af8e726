"""One HTTP exchange with the marketplace: the single place where httpx is called.

Bottom of the client pipeline (client -> retry -> auth -> exchange -> httpx). For every
request it: takes a concurrency slot and a rate token (``limits.py``), counts the call
under its method and path template, sends it with the settings' timeouts (and a deadline for
the whole exchange, so a slow drip cannot hold it forever), reads the body with a
size bound, logs one redacted DEBUG line on ``subctl.api`` (method, path,
status, correlation id, duration: never headers, tokens or credentials), and turns
every failure into our error tree (``errors_map.py``). It returns the parsed JSON.

The ``httpx.AsyncClient`` comes from outside: a real one for a real marketplace, one
over ``ASGITransport`` for the embedded sandbox, one over ``MockTransport`` in tests.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anyio
import httpx

from controller.errors import ApiUnavailable
from controller.marketplace.errors_map import (
    CORRELATION_HEADER,
    error_from_response,
    error_from_transport,
    parse_model,
    protocol_error,
)
from controller.marketplace.limits import Limits
from controller.marketplace.settings import ApiSettings

log = logging.getLogger("subctl.api")

# Error bodies are only read for their message; a few KiB is plenty.
_MAX_ERROR_BODY = 64 * 1024

M = TypeVar("M")  # a live model
T = TypeVar("T")


class CallCounter:
    """How many requests were sent, per ``"METHOD /path/{template}"``; retries count."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def add(self, key: str) -> None:
        self._counts[key] += 1

    def __getitem__(self, key: str) -> int:
        return self._counts[key]

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def snapshot(self) -> dict[str, int]:
        return dict(self._counts)

    def reset(self) -> None:
        self._counts.clear()

    def __repr__(self) -> str:
        return f"CallCounter({dict(sorted(self._counts.items()))})"


@dataclass(frozen=True)
class Reply:
    """A 2xx answer: its status, parsed JSON body (None when empty) and correlation id."""

    method: str
    path: str
    status: int
    body: Any
    correlation_id: str | None

    @property
    def where(self) -> dict[str, Any]:
        """Where the answer came from, as the ``ApiError`` constructors take it."""
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "correlation_id": self.correlation_id,
        }

    def parse(self, model: type[M]) -> M:
        """The body as ``model``; a body that does not fit is ``ApiProtocolError``."""
        return parse_model(model, self.body, **self.where)


@dataclass(frozen=True, slots=True)
class Answered(Generic[T]):
    """What a client call hands back: its value and the correlation id of the answer the
    value came from (the write's own, or the read-back's when it had to read), for the
    journal and the step outcome. Errors carry their own (``ApiError.correlation_id``)."""

    value: T
    correlation_id: str | None


class Exchange:
    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: ApiSettings,
        limits: Limits,
        counter: CallCounter,
    ) -> None:
        self._http = http
        self._settings = settings
        self._limits = limits
        self.counter = counter

    def __repr__(self) -> str:
        return f"Exchange(base_url={self._settings.base_url!r})"

    async def send(
        self,
        method: str,
        template: str,
        path: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str | int] | None = None,
        body: object = None,
    ) -> Reply:
        """Send one request; return its 2xx reply or raise the mapped ``ApiError``."""
        request = self._http.build_request(
            method,
            self._settings.base_url + path,
            params=dict(params) if params else None,
            json=body,
            headers=dict(headers),
            timeout=self._settings.timeout,
        )
        shown = path + (f"?{request.url.query.decode()}" if request.url.query else "")
        async with self._limits.slot():
            self.counter.add(f"{method} {template}")
            started = time.perf_counter()
            try:
                # httpx's read timeout is per read: a server dripping one byte a second
                # never trips it. The whole exchange gets a deadline of its own.
                with anyio.fail_after(self._settings.request_timeout):
                    response = await self._http.send(request, stream=True)
                    try:
                        limit = (
                            self._settings.max_body_bytes
                            if response.is_success
                            else _MAX_ERROR_BODY
                        )
                        raw, overflow = await _read_bounded(response, limit)
                    finally:
                        await response.aclose()
            except TimeoutError:
                log.debug("%s %s -> no complete answer in time", method, shown)
                raise ApiUnavailable(
                    f"timed out: no complete answer within {self._settings.request_timeout:g}s",
                    method=method,
                    path=path,
                ) from None
            except httpx.DecodingError:
                # An answer came (so a write may have happened) but its encoding is broken.
                log.debug("%s %s -> undecodable body", method, shown)
                raise protocol_error(
                    "response body could not be decoded",
                    method=method,
                    path=path,
                    status=None,
                    correlation_id=None,
                ) from None
            except httpx.RequestError as exc:
                elapsed = (time.perf_counter() - started) * 1000
                log.debug(
                    "%s %s -> no answer (%s) in %.0f ms", method, shown, type(exc).__name__, elapsed
                )
                raise error_from_transport(
                    exc, method=method, path=path, base_url=self._settings.base_url
                ) from None
        elapsed = (time.perf_counter() - started) * 1000
        cid = response.headers.get(CORRELATION_HEADER)
        log.debug(
            "%s %s -> %d in %.0f ms [correlation id %s]",
            method,
            shown,
            response.status_code,
            elapsed,
            cid or "-",
        )
        if not response.is_success:
            raise error_from_response(
                method=method,
                path=path,
                status=response.status_code,
                headers=response.headers,
                body=raw,
            )
        where: dict[str, Any] = {
            "method": method,
            "path": path,
            "status": response.status_code,
            "correlation_id": cid,
        }
        if overflow:
            raise protocol_error(
                f"response body larger than {self._settings.max_body_bytes} bytes; refused",
                **where,
            )
        return Reply(method, path, response.status_code, _parse_json(raw, where), cid)


async def _read_bounded(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Read at most ``limit`` bytes of the body; say whether there was more.

    A success body that announces itself too large is refused unread; an error body
    is read up to the limit, since its first bytes still carry the message.
    """
    declared = response.headers.get("Content-Length")
    too_big = declared is not None and declared.isdigit() and int(declared) > limit
    if too_big and response.is_success:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            chunks.append(chunk[: max(0, limit - (size - len(chunk)))])
            return b"".join(chunks), True
        chunks.append(chunk)
    return b"".join(chunks), False


def _parse_json(raw: bytes, where: dict[str, Any]) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise protocol_error("response body is not JSON", **where) from None
