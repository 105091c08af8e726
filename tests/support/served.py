"""One way to start a served sandbox (``subctl sandbox serve``) for tests and benchmarks.

A real uvicorn in a child python on 127.0.0.1 with ``--port 0``: the port is read from
the server's first line (``sandbox listening on http://HOST:PORT ...``, see
controller/sandbox/server.py). Used by the e2e harness, the reliability scenarios,
the sandbox server tests and ``bench`` (which imports it; keep it free of pytest).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0  # seconds for the first line; generous: CI machines are shared


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    subscription_key: str


@dataclass
class Served:
    """A running server; ``stop_served`` ends it."""

    url: str
    proc: subprocess.Popen[str]
    db: Path


def process_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child python: this checkout importable from any folder."""
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def serve_command(
    db: Path,
    *extra: str,
    seed: Path | None = None,
    profile: str | None = None,
    credentials: Credentials | None = None,
    verbose: bool = False,
) -> list[str]:
    cmd = [sys.executable, "-m", "controller", *(["-vv"] if verbose else []), "sandbox", "serve"]
    cmd += ["--host", "127.0.0.1", "--port", "0", "--db", str(db)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    if credentials is not None:
        cmd += ["--username", credentials.username, "--password", credentials.password]
        cmd += ["--subscription-key", credentials.subscription_key]
    if profile is not None:
        cmd += ["--profile", profile]
    return [*cmd, *extra]


def start_served(
    db: Path,
    *extra: str,
    seed: Path | None = None,
    profile: str | None = None,
    credentials: Credentials | None = None,
    verbose: bool = False,
    stderr: IO[str] | IO[bytes] | int = subprocess.PIPE,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Served:
    """Start a server on a free loopback port and wait for its "listening on" line.

    ``stderr`` is a pipe by default (read by ``stop_served``); pass a file for a chatty
    server, which could otherwise block on a full pipe. ``env`` defaults to
    ``process_env()``.
    """
    db.parent.mkdir(parents=True, exist_ok=True)
    cmd = serve_command(
        db, *extra, seed=seed, profile=profile, credentials=credentials, verbose=verbose
    )
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=dict(env) if env is not None else process_env(),
        cwd=cwd,
    )
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        line = proc.stdout.readline() if selector.select(timeout=START_TIMEOUT) else ""
    if "listening on http://127.0.0.1:" not in line:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise RuntimeError(f"sandbox did not start: {line!r} {(err or '')[-2000:]}")
    return Served(url=line.split("listening on ", 1)[1].split()[0], proc=proc, db=db)


def stop_served(server: Served, *, interrupt: bool = False, timeout: float = 10.0) -> str:
    """Stop a server; returns its stderr when it was a pipe, else "".

    ``interrupt`` sends SIGINT rather than SIGTERM: the server reports its injected
    faults on Ctrl-C.
    """
    server.proc.send_signal(signal.SIGINT if interrupt else signal.SIGTERM)
    try:
        _, err = server.proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        _, err = server.proc.communicate()
    return err or ""
