"""The sandbox marketplace in-process: an httpx transport that subctl plugs into its client.

With no ``SUBCTL_API_URL`` (or ``SUBCTL_API_URL=sandbox``) subctl talks to this transport,
backed by ``.subctl/sandbox.db`` and seeded with the demo set on first use (DESIGN.md
section 6). A dropped-connection fault reaches the client as ``httpx.RemoteProtocolError``,
exactly as it would over a socket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import httpx

from controller.sandbox.app import create_app
from controller.sandbox.clock import Clock
from controller.sandbox.config import SandboxConfig
from controller.sandbox.problems import DroppedConnection
from controller.sandbox.seed import demo_seed, load_seed_file, seed_if_empty
from controller.sandbox.store import Store

DEFAULT_DB = Path(".subctl") / "sandbox.db"
BASE_URL = "http://sandbox.invalid"


class EmbeddedTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` around the sandbox app, owning its store."""

    def __init__(self, store: Store, config: SandboxConfig) -> None:
        self.store = store
        self.config = config
        self.app = create_app(store, config)
        # raise_app_exceptions: the app answers every error itself, so the only exception
        # that escapes it is a dropped connection, which must reach the client as one.
        self._inner = httpx.ASGITransport(app=self.app, raise_app_exceptions=True)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except DroppedConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response.", request=request
            ) from None

    async def aclose(self) -> None:
        await self._inner.aclose()
        self.store.close()


class SyncEmbeddedTransport(httpx.BaseTransport):
    """The same sandbox for a synchronous ``httpx.Client`` (scripts, benchmarks).

    httpx has no synchronous ASGI transport, so the async one runs on an event loop in a
    helper thread (an anyio blocking portal) that lives until ``close``.
    """

    def __init__(self, inner: EmbeddedTransport) -> None:
        self.inner = inner
        self._portal_context = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_context.__enter__()

    @property
    def store(self) -> Store:
        return self.inner.store

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def exchange() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self.inner.handle_async_request(forwarded)
            return response.status_code, response.headers.raw, await response.aread()

        status, headers, content = self._portal.call(exchange)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        try:
            self._portal.call(self.inner.aclose)
        finally:
            self._portal_context.__exit__(None, None, None)


def open_store(db_path: str | Path, *, seed: Path | None, clock: Clock | None = None) -> Store:
    """Open (creating the parent folder) and, if the database is empty, seed the store.

    ``seed=None`` means the built-in demo set.
    """
    path = str(db_path)
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    store = Store(path, clock)
    try:
        seed_if_empty(store, demo_seed() if seed is None else load_seed_file(seed))
    except BaseException:
        store.close()
        raise
    return store


def embedded_transport(
    db_path: str | Path = DEFAULT_DB,
    *,
    seed: Path | None = None,
    clock: Clock | None = None,
    **config: Any,
) -> EmbeddedTransport:
    """A transport serving the sandbox from ``db_path``; ``config`` are SandboxConfig fields.

    ``profile="minimal"`` selects the minimal profile; options not given take the
    profile's defaults (SandboxConfig.for_profile).
    """
    settings = SandboxConfig.for_profile(**config)
    return EmbeddedTransport(open_store(db_path, seed=seed, clock=clock), settings)


def embedded_sync_transport(
    db_path: str | Path = DEFAULT_DB,
    *,
    seed: Path | None = None,
    clock: Clock | None = None,
    **config: Any,
) -> SyncEmbeddedTransport:
    """Like ``embedded_transport``, for ``httpx.Client``; close the client (or transport) after."""
    return SyncEmbeddedTransport(embedded_transport(db_path, seed=seed, clock=clock, **config))
