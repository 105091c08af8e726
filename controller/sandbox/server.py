"""``subctl sandbox serve``: the sandbox marketplace over HTTP with uvicorn.

The CLI parses options and calls ``serve``; this module opens the store (seeding an empty
database), binds the socket itself so ``--port 0`` can report the port it got, prints
``sandbox listening on http://HOST:PORT`` (flushed, for scripts and tests), and runs
uvicorn until interrupted.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

import uvicorn

from controller.errors import ConfigError
from controller.sandbox.app import create_app
from controller.sandbox.config import SandboxConfig
from controller.sandbox.embedded import open_store
from controller.sandbox.problems import DroppedConnection
from controller.sandbox.seed import SeedError


class _QuietDrops(logging.Filter):
    """An injected dropped connection is the point, not an error worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: accepted sockets inherit it, and asyncio sets TCP_NODELAY
    # only on sockets whose proto says TCP. Without it, a response's head and body go in
    # two segments and Nagle holds the second until the client's delayed ACK: ~40 ms
    # added to every request on a kept-alive connection.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {err.strerror}") from None
    sock.listen(128)
    return sock


def serve(
    *,
    host: str,
    port: int,
    db: Path,
    seed: Path | None,
    config: SandboxConfig,
    out: TextIO = sys.stdout,
) -> int:
    try:
        store = open_store(db, seed=seed)
    except SeedError as err:
        raise ConfigError(str(err)) from None
    try:
        app = create_app(store, config)
        sock = bind(host, port)
        actual = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
        print(
            f"sandbox listening on http://{shown}:{actual} (not a real marketplace; db {db})",
            file=out,
            flush=True,
        )
        server = uvicorn.Server(
            uvicorn.Config(
                app, log_level="warning", access_log=False, lifespan="off", log_config=None
            )
        )
        try:
            server.run(sockets=[sock])
        finally:
            # In a finally: uvicorn re-raises the signal that stopped it (Ctrl-C/SIGINT).
            _report_faults(app.state.faults_injected, config)
    finally:
        store.close()
    return 0


def _report_faults(injected: Counter[str], config: SandboxConfig) -> None:
    """One stderr line counting the faults injected, for reliability runs to quote."""
    if config.fault_rate <= 0:
        return
    kinds = ", ".join(f"{k}={n}" for k, n in sorted(injected.items())) or "none"
    print(
        f"sandbox injected {sum(injected.values())} fault(s): {kinds}", file=sys.stderr, flush=True
    )
