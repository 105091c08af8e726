"""Processes for the benchmarks: a served sandbox, and measured child processes.

``Sandbox`` starts ``python -m controller sandbox serve --port 0`` on 127.0.0.1 through
tests/support/served.py (the helper the tests use: port read from the first line), and
reads and resets its request statistics (``GET|DELETE /_sandbox/stats``,
docs/sandbox.md). ``measure`` runs one child process and returns its wall time, CPU
time, exit code and peak RSS (``os.wait4``).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.served import Credentials, start_served, stop_served

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD, KEY = "bench-user", "bench-password", "bench-key"
PAGE_LIMIT_MAX = 100  # the marketplace's usual cap, and the client's page size


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBCTL_")}
    env.pop("CI", None)
    env.update(extra or {})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def subctl_env(url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return child_env(
        {
            "SUBCTL_API_URL": url,
            "SUBCTL_USERNAME": USER,
            "SUBCTL_PASSWORD": PASSWORD,
            "SUBCTL_SUBSCRIPTION_KEY": KEY,
            **(extra or {}),
        }
    )


@dataclass(frozen=True)
class Measured:
    seconds: float
    rss_mib: float
    code: int
    stdout: Path
    cpu_seconds: float = 0.0  # user + system time of the process


def measure(
    cmd: list[str], env: dict[str, str], out: Path, *, cwd: Path, timeout: float = 900.0
) -> Measured:
    """Run ``cmd`` to completion; stdout to ``out``, stderr to ``out`` + ``.err``."""
    with out.open("wb") as stdout, out.with_suffix(out.suffix + ".err").open("wb") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env, cwd=cwd)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(seconds, usage.ru_maxrss / 1024, proc.returncode, out, cpu)


class Sandbox:
    def __init__(self, db: Path, seed: Path | None, *, latency_ms: int, log: Path) -> None:
        self._log = log.open("wb")
        try:
            self._server = start_served(
                db,
                "--latency-ms", str(latency_ms), "--page-limit-max", str(PAGE_LIMIT_MAX),
                "--vendor-delay", "3600",
                seed=seed,
                credentials=Credentials(USER, PASSWORD, KEY),
                stderr=self._log,
                env=child_env(),
                cwd=ROOT,
            )  # fmt: skip
        except RuntimeError as exc:
            self._log.close()
            raise RuntimeError(f"{exc}; see {log}") from None
        self.url = self._server.url

    def stats(self) -> dict[str, Any]:
        reply = httpx.get(self.url + "/_sandbox/stats", headers={"X-Subscription-Key": KEY})
        reply.raise_for_status()
        data: dict[str, Any] = reply.json()
        return data

    def reset_stats(self) -> None:
        httpx.delete(
            self.url + "/_sandbox/stats", headers={"X-Subscription-Key": KEY}
        ).raise_for_status()

    def stop(self) -> None:
        stop_served(self._server, timeout=30)
        self._log.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_seed(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
