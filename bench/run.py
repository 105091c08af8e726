"""``make bench``: subctl's plan, validate and apply at scale, against the naive way and the floor.

One run, from the repository root: ``python bench/run.py`` (``--quick`` for a smoke run
without 100,000 and with one repetition). It generates N declared subscriptions in spec
files of 100 (``generate.py``), a matching sandbox seed with 20% more unmanaged
subscriptions and some open orders (``seed.py``), serves the sandbox over loopback
(``--page-limit-max 100``, the client's page size), and measures, each figure the
median of several runs of a separate process (wall time, peak RSS from ``os.wait4``):

1. ``subctl validate`` and ``subctl plan --format markdown --summary`` (as the PR workflow
   runs it) at N = 1,000, 10,000, 100,000 with 20 ms of
   added latency per request, and plan at 10,000 with none (the overhead run);
2. the naive way at 10,000 (``clients.py naive``: one GET per subscription, 10 in flight);
3. the floor at 10,000 (``clients.py floor``: pages and C-parsed YAML only), no latency;
4. apply of 1,000 auto-renew toggles at 50 ms latency, ``--concurrency 1`` and default
   (and once more at the default with ``SUBCTL_MAX_RATE=400``, to show the rate cap);
5. the API calls each plan made (counted by the sandbox, ``GET /_sandbox/stats``)
   against the minimum.

It writes ``docs/benchmarks.md`` itself and exits 0 (missed targets are reported, not
failures; a run that went wrong, e.g. a plan exiting 1, exits 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import write_specs
from bench.report import RESULTS, write_report
from bench.sandbox import (
    ROOT,
    Measured,
    Sandbox,
    child_env,
    measure,
    subctl_env,
    write_seed,
)
from bench.seed import Seed, plan_seed, toggle_specs_and_seed

PY = sys.executable
LATENCY_MS = 20
APPLY_LATENCY_MS = 50
APPLY_N = 1_000
REPS = {1_000: 5, 10_000: 3, 100_000: 2}
FAST_RATE = 400


@dataclass
class Series:
    """Several runs of one measurement; figures are medians."""

    runs: list[Measured] = field(default_factory=list)
    stats: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def cpu_seconds(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def rss_mib(self) -> float:
        return statistics.median(r.rss_mib for r in self.runs)

    @property
    def spread(self) -> tuple[float, float]:
        times = [r.seconds for r in self.runs]
        return min(times), max(times)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "min": round(self.spread[0], 3),
            "max": round(self.spread[1], 3),
            "rss_mib": round(self.rss_mib, 1),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "runs": len(self.runs),
            "stats": self.stats[0] if self.stats else None,
            **self.extra,
        }


class BenchFailed(RuntimeError):
    pass


def _check(result: Measured, ok: tuple[int, ...], what: str) -> None:
    if result.code not in ok:
        err = result.stdout.with_suffix(result.stdout.suffix + ".err")
        tail = err.read_text("utf-8", "replace")[-1500:] if err.exists() else ""
        raise BenchFailed(f"{what} exited {result.code}:\n{tail}")


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run_series(
    label: str,
    reps: int,
    cmd: list[str],
    env: dict[str, str],
    work: Path,
    *,
    ok: tuple[int, ...] = (0,),
    server: Sandbox | None = None,
) -> Series:
    series = Series()
    for rep in range(reps):
        if server is not None:
            server.reset_stats()
        result = measure(cmd, env, work / f"{label}-{rep}.out", cwd=work)
        _check(result, ok, label)
        series.runs.append(result)
        if server is not None:
            series.stats.append(server.stats())
    _progress(f"{label}: median {series.seconds:.2f} s, {series.rss_mib:.0f} MiB RSS")
    return series


def minimum_calls(seed: Seed, renewals: int, page: int = 100) -> int:
    """token + subscription pages + a page per order status + an estimate per renewal."""
    pages = math.ceil(len(seed.subscriptions) / page)
    order_pages = sum(
        max(1, math.ceil(count / page))
        for count in (seed.open_orders("PA"), seed.open_orders("AP"), seed.open_orders("ER"))
    )
    return 1 + pages + order_pages + renewals


def plan_cmd(specs: Path, summary: Path) -> list[str]:
    return [
        PY,
        "-m",
        "controller",
        "plan",
        str(specs),
        "--format",
        "json",
        "--summary",
        str(summary),
    ]


def bench_size(n: int, work: Path, reps: int, results: dict[str, Any]) -> None:
    specs = work / f"specs-{n}"
    write_specs(specs, n)
    seed = plan_seed(specs)
    seed_file = write_seed(work / f"seed-{n}.json", seed.data())
    db = work / f"sandbox-{n}.db"
    _progress(f"N={n}: {len(seed.subscriptions)} live subscriptions, {len(seed.orders)} orders")
    results[f"validate_{n}"] = run_series(
        f"validate-{n}", reps, [PY, "-m", "controller", "validate", str(specs)], child_env(), work
    ).to_dict()
    summary = work / f"summary-{n}.json"
    with Sandbox(db, seed_file, latency_ms=LATENCY_MS, log=work / f"sandbox-{n}.log") as server:
        env = subctl_env(server.url)
        plan = run_series(f"plan-{n}", reps, plan_cmd(specs, summary), env, work, server=server)
        counts = json.loads(summary.read_text("utf-8"))["counts"]
        plan.extra.update(
            minimum=minimum_calls(seed, counts["renew"]),
            renewals=counts["renew"],
            cancellations=counts["cancel"],
            changes=sum(counts.values()),
        )
        results[f"plan_{n}"] = plan.to_dict()
        if n == 10_000:
            naive = [PY, "-m", "bench.clients", "naive", server.url, str(specs)]
            results["naive_10000"] = run_series(
                "naive-10000", reps, naive, child_env(), work, server=server
            ).to_dict()
    if n == 10_000:
        with Sandbox(db, None, latency_ms=0, log=work / "sandbox-0ms.log") as server:
            env = subctl_env(server.url)
            results["plan_10000_0ms"] = run_series(
                "plan-10000-0ms", reps + 2, plan_cmd(specs, summary), env, work, server=server
            ).to_dict()
            floor = [PY, "-m", "bench.clients", "floor", server.url, str(specs)]
            results["floor_10000"] = run_series(
                "floor-10000", reps + 2, floor, child_env(), work, server=server
            ).to_dict()
    shutil.rmtree(specs)


def bench_apply(
    work: Path, concurrency: int, reps: int, env: dict[str, str] | None = None, label: str = ""
) -> dict[str, Any]:
    specs = work / "toggle-specs"
    if specs.exists():
        shutil.rmtree(specs)
    seed = toggle_specs_and_seed(specs, APPLY_N)
    seed_file = write_seed(work / "toggle-seed.json", seed.data())
    series = Series()
    for rep in range(reps):
        db = work / f"toggle-{concurrency}{label}-{rep}.db"  # a fresh marketplace each run
        log = work / f"sandbox-apply-{concurrency}{label}-{rep}.log"
        with Sandbox(db, seed_file, latency_ms=APPLY_LATENCY_MS, log=log) as server:
            server.reset_stats()
            cmd = [
                PY, "-m", "controller", "apply", str(specs), "--yes", "--format", "json",
                "--concurrency", str(concurrency), "--journal", str(work / "journal.jsonl"),
            ]  # fmt: skip
            result = measure(
                cmd, subctl_env(server.url), work / f"apply-{concurrency}.out", cwd=work
            )
            _check(result, (0,), f"apply --concurrency {concurrency}")
            series.runs.append(result)
            series.stats.append(server.stats())
    _progress(f"apply --concurrency {concurrency}: median {series.seconds:.2f} s")
    rate, burst = configured_rate(env)
    series.extra.update(
        rate=rate, burst=burst, rate_ok=all(_within(s, rate, burst) for s in series.stats)
    )
    series.extra["max_per_second"] = max(s["maxPerSecond"] for s in series.stats)
    series.extra["mean_per_second"] = statistics.median(
        s["meanPerSecond"] or 0.0 for s in series.stats
    )
    return series.to_dict()


def configured_rate(extra: dict[str, str] | None = None) -> tuple[float, float]:
    """The client's request rate and burst as a plan or apply run by the bench sees them."""
    from controller.marketplace.settings import ApiSettings

    url = "http://127.0.0.1:1"
    settings = ApiSettings.from_env(url, environ=subctl_env(url, extra))
    return settings.max_rate, settings.rate_burst or settings.max_rate


def _within(stats: dict[str, Any], rate: float, burst: float) -> bool:
    """A token bucket lets at most ``burst + rate * T`` requests through in T seconds:
    checked over the whole run and over every one-second window."""
    total, span = stats["total"], (stats["lastAt"] or 0.0) - (stats["firstAt"] or 0.0)
    return bool(total <= burst + rate * span + 1 and stats["maxPerSecond"] <= burst + rate)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 only, one run each")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the report from bench/results.json"
    )
    args = parser.parse_args(argv)
    if args.report_only:
        write_report(args.out, json.loads(RESULTS.read_text("utf-8")))
        return 0
    sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="subctl-bench-"))
    results: dict[str, Any] = {"quick": args.quick}
    try:
        for n in sizes:
            bench_size(n, work, 1 if args.quick else REPS[n], results)
        apply_reps = 1 if args.quick else 2
        results["apply_1"] = bench_apply(work, 1, apply_reps)
        results["apply_8"] = bench_apply(work, 8, 1 if args.quick else 3)
        # The same with a higher rate cap: how far concurrency alone goes.
        fast = {"SUBCTL_MAX_RATE": str(FAST_RATE)}
        results["apply_8_fast"] = bench_apply(work, 8, 1, fast, "-fast")
    except BenchFailed as err:
        print(f"benchmark failed: {err}\nwork folder kept: {work}", file=sys.stderr)
        return 1
    finally:
        if not args.keep and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    rate, burst = configured_rate()
    results["machine"] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "duration_s": round(time.perf_counter() - started),
        "max_rate": rate,
        "burst": burst,
    }
    write_report(args.out, results)
    _progress(f"wrote {args.out} ({results['machine']['duration_s']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
