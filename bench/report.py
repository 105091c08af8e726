"""Write ``docs/benchmarks.md`` from one ``bench/run.py`` run's results.

The raw figures also go to ``bench/results.json``; when ``bench/baseline.json`` exists
(the figures of an earlier run, committed), the tables show them as "before".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
BASELINE = BENCH / "baseline.json"
RESULTS = BENCH / "results.json"

# Shown under a target that is missed: why, as far as the figures tell.
WHY: dict[str, str] = {
    "naive": (
        "both sides are bound by the client's CPU on this shared 2-core machine: the naive "
        "way spends ~31 s of CPU on 10,001 requests (~3 ms each through httpx), subctl's "
        "plan ~3.5 s (~0.4 s start-up and imports; ~1.1 s loading 10,000 declarations with "
        "positions, which the naive way pays as well; the 124 pages into models; the 65 "
        "price and history reads; planning; the JSON). The machine's speed moved by up to "
        "2x within the hour (plan at 10,000 with no latency: 1.6 to 3.1 s of CPU), so the "
        "ratio moves too: two full runs 15 minutes apart on 2026-11-25 gave 9.5x and 8.6x "
        "(CPU: 8.9x). Closing the rest needs a cheaper spec stage or cheaper requests "
        "(httpx, anyio and asyncio are ~70% of the per-request CPU)."
    ),
    "floor": (
        "the floor validates nothing: subctl loads the specs with line numbers and strict "
        "pydantic models (see the validate column), validates every live subscription "
        "into a model, asks each declared subscription as it arrives whether it needs a "
        "price or history read (plan/reads.py), plans, renders the JSON, and "
        "makes 65 calls the floor does not (40 estimates, 25 withdrawn-history look-ups)."
    ),
    "scale": (
        "the rate cap's burst: at 10,000 all 189 calls fit in the burst of 200, at "
        "100,000 the 1,655 calls need at least (1,655 - 200) / 200 = 7.3 s at 200 "
        "requests a second, so the request part grows more than 10x. The sandbox also "
        "answers deep pages more slowly (SQLite OFFSET scans: ~3.5 ms at offset 0, ~7 ms "
        "at 110,000 per page) and the heap is ten times larger."
    ),
    "memory": (
        "the run holds 100,000 declarations, 100,000 live subscriptions while observing "
        "and 100,000 per-subscription plan entries (all slotted pydantic dataclasses, "
        "~0.3 KB each), then renders ~45 MB of JSON text."
    ),
    "apply": (
        "8 in flight at 50 ms allow at most 160 requests a second; the sandbox saw ~120 "
        "(subctl's and the sandbox's CPU share the 2 cores), and 1,016 requests plus "
        "start-up and the report make ~9.7 s. Concurrency 1 is 1,000 x (50 ms + ~10 ms: "
        "the sandbox's and subctl's CPU, two fsyncs), ~60 s. At the old cap of 100 "
        "requests a second the default concurrency could not go below ~10 s (5.6-5.8x); "
        "the cap is now 200 (docs/client.md, Limits)."
    ),
}

# What changed between the baseline and this run (bench/baseline.json).
CHANGES = (
    "sandbox: the listening socket is created with proto IPPROTO_TCP, so asyncio sets "
    "TCP_NODELAY on its connections; before, every request on a kept-alive connection "
    "waited ~40 ms for a delayed ACK (Nagle). The baseline was measured after this fix.",
    "client: after the first page tells `pagination.total`, the other pages are fetched "
    "a window at a time (32 pages, 8 in flight), each page parsed into models as it "
    "arrives, while the server works on the others; call count unchanged "
    "(`ceil(total / limit)`), items still yielded once and in order.",
    "client: `max_rate` default 20 -> 200 requests/s (burst one second's worth), "
    "configurable with `SUBCTL_MAX_RATE`; reasoning in docs/client.md.",
    "plan: the values held once per subscription (live Subscription, DesiredSubscription, "
    "SubscriptionPlan) are slotted pydantic dataclasses instead of BaseModels, whose "
    "per-instance __dict__ and fields-set cost 1.2-2.1 KB each; at 100,000 peak RSS went "
    "from ~800 MB to ~300 MB.",
    "plan: `--format json` is pydantic-core's model_dump_json, not json.dumps(indent=2) "
    "over a dict copy (the pure-Python encoder: ~0.5 s at 10,000); only subscriptions with "
    "steps get a live-state fingerprint (the stale check reads no others); the planner "
    "builds each subscription's entry once instead of copying it per decision.",
    "plan/apply: the garbage collector's young threshold is raised for the run and the "
    "loaded specs are frozen out of later collections (controller/gctune.py): at 30,000 "
    "subscriptions 20% of the plan's time was collection.",
    "plan: the draft (which subscriptions to price or look up) covers only the "
    "subscriptions that can renew or cancel, and each one's read starts as soon as it "
    "and the order listings are in, alongside the remaining pages.",
    "client: `sniffio` is marked absent in sys.modules when it is not installed: httpcore "
    "imports it several times per request and each failed import searched sys.path.",
    "plan/apply: the plan (and the apply result) is no longer the event loop's task "
    "result; anyio formatted that task's repr (the whole plan, ~0.1 s at 10,000) several "
    "times while closing connections.",
    "apply: the journal's in-flight file is an append-only log kept open for the run (one "
    "fsynced start record before each write, a done mark after its line), not rewritten, "
    "fsynced and renamed twice per write; its records go through one worker thread that "
    "commits what is queued together (group commit) instead of a thread hop per record.",
    "client: a cached token is handed out without the auth lock, the limits' locks are "
    "taken without yielding when free, and retries are a plain loop instead of "
    "tenacity's per-call set-up (~40 us per request).",
)


def _s(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def _get(data: dict[str, Any] | None, key: str, field: str = "seconds") -> Any:
    if data is None or key not in data or data[key] is None:
        return None
    return data[key].get(field)


def _before(base: dict[str, Any] | None, key: str, field: str = "seconds") -> str:
    value = _get(base, key, field)
    if value is None:
        return "-"
    return _s(value) if field == "seconds" else f"{value:.0f}"


def _cpu(entry: dict[str, Any]) -> str:
    value = entry.get("cpu_seconds")
    return "-" if value is None else _s(value)


def _calls(entry: dict[str, Any]) -> tuple[int, int]:
    stats = entry["stats"]
    total = int(stats["total"])
    return total - int(entry.get("cancellations", 0)), total


def targets(r: dict[str, Any]) -> list[tuple[str, str, str, str, bool]]:
    """(key, target, wanted, achieved, met) for each target of the issue."""
    rows: list[tuple[str, str, str, str, bool]] = []
    plan10, naive = r["plan_10000"]["seconds"], r["naive_10000"]["seconds"]
    rows.append(
        (
            "naive",
            "plan at 10,000 (20 ms) vs the naive way",
            ">= 10x faster",
            f"{naive / plan10:.1f}x ({_s(naive)} vs {_s(plan10)})",
            naive / plan10 >= 10,
        )
    )
    plan0, floor = r["plan_10000_0ms"]["seconds"], r["floor_10000"]["seconds"]
    rows.append(
        (
            "floor",
            "plan at 10,000 (no latency) vs the floor",
            "<= 1.5x",
            f"{plan0 / floor:.2f}x ({_s(plan0)} vs {_s(floor)})",
            plan0 / floor <= 1.5,
        )
    )
    sizes = [k for k in ("plan_1000", "plan_10000", "plan_100000") if k in r]
    made = [(_calls(r[k])[0], r[k]["minimum"]) for k in sizes]
    rows.append(
        (
            "calls",
            "plan calls (without history look-ups) vs the minimum",
            "equal",
            ", ".join(f"{a} / {b}" for a, b in made),
            all(a == b for a, b in made),
        )
    )
    if "plan_100000" in r:
        big = r["plan_100000"]
        ratio = big["seconds"] / plan10
        rows.append(
            (
                "scale",
                "plan time at 100,000 vs 10,000",
                "<= 11x",
                f"{ratio:.1f}x ({_s(big['seconds'])})",
                ratio <= 11,
            )
        )
        rows.append(
            (
                "memory",
                "plan peak RSS at 100,000",
                "< 400 MB",
                f"{big['rss_mib'] * 1.048576:.0f} MB",
                big["rss_mib"] * 1.048576 < 400,
            )
        )
    one, default = r["apply_1"], r["apply_8"]
    speedup = one["seconds"] / default["seconds"]
    rows.append(
        (
            "apply",
            "apply of 1,000 toggles: default concurrency vs 1",
            ">= 6x faster",
            f"{speedup:.1f}x ({_s(one['seconds'])} vs {_s(default['seconds'])})",
            speedup >= 6,
        )
    )
    runs = [r[k] for k in ("apply_1", "apply_8", "apply_8_fast") if k in r]
    rows.append(
        (
            "rate",
            "observed request rate during apply (server side) vs the client's cap",
            "at most burst + rate x T requests in any T s (T = 1 s and the whole run)",
            "; ".join(
                f"cap {a['rate']:g}/s: mean {a['mean_per_second']:.1f}/s, "
                f"busiest second {a['max_per_second']}"
                for a in runs
            ),
            all(a["rate_ok"] for a in runs),
        )
    )
    return rows


def render(r: dict[str, Any], base: dict[str, Any] | None) -> str:
    m = r["machine"]
    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand: change the script's",
        "notes (`bench/report.py`) and run it again.",
        "",
        f"Run on {m['date']}: {m['cores']} cores, Python {m['python']}, {m['platform']};",
        f"the whole run took {m['duration_s']} s. The client's request rate: {m['max_rate']:g}/s,",
        f"burst {m['burst']:g}.",
        "",
        "Every figure is the median of several runs (the runs column) of a separate process:",
        "wall time from start to exit (Python start-up and imports included), its CPU time",
        "(user + system) and its peak RSS. The machine is shared and the sandbox runs on the",
        "same cores, so wall times move by 20-50% between runs; CPU time is steadier.",
        "The sandbox is served over loopback by uvicorn",
        "(`subctl sandbox serve`) with `--page-limit-max 100`, the marketplace's usual cap",
        "and the client's page size, and counts the requests it receives",
        "(`GET /_sandbox/stats`). Specs: N subscriptions in files of 100 (`bench/generate.py`);",
        "live: the same N, mostly in sync, plus 20% unmanaged and some open orders",
        '(`bench/seed.py`). "Before" is `bench/baseline.json`, the run before the',
        "optimisations.",
        "",
        "## Targets",
        "",
        "| target | wanted | achieved | met |",
        "|---|---|---|---|",
    ]
    missed: list[str] = []
    for key, name, wanted, achieved, met in targets(r):
        out.append(f"| {name} | {wanted} | {achieved} | {'yes' if met else '**no**'} |")
        if not met:
            missed.append(f"- **{name}**: {WHY.get(key, 'not analysed yet.')}")
    if missed:
        out += ["", "Why targets are missed:", "", *missed]
    out += ["", "## What changed since the baseline", ""]
    out += [f"- {change}" for change in CHANGES]
    out += [
        "",
        "## 1. validate and plan (sandbox latency 20 ms per request)",
        "",
        "| N | validate | validate CPU | validate RSS | plan | plan CPU | plan RSS | plan before "
        "| runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n in (1_000, 10_000, 100_000):
        v, p = r.get(f"validate_{n}"), r.get(f"plan_{n}")
        if v is None or p is None:
            continue
        out.append(
            f"| {n:,} | {_s(v['seconds'])} | {_cpu(v)} | {v['rss_mib']:.0f} MiB "
            f"| {_s(p['seconds'])} | {_cpu(p)} | {p['rss_mib']:.0f} MiB "
            f"| {_before(base, f'plan_{n}')} | {p['runs']} |"
        )
    p0 = r["plan_10000_0ms"]
    out += [
        "",
        f"Overhead run, plan at 10,000 with no added latency: {_s(p0['seconds'])} "
        f"({p0['rss_mib']:.0f} MiB; before: {_before(base, 'plan_10000_0ms')}; "
        f"{p0['runs']} runs).",
        "",
        "## 2. The naive way (10,000, latency 20 ms)",
        "",
        "One `GET /subscriptions/{id}` per declared subscription, 10 in flight (Terraform's",
        "default parallelism), bare httpx, then `make_plan` on the results (`bench/clients.py`).",
        "",
        "| | time | CPU | peak RSS | requests | runs |",
        "|---|---|---|---|---|---|",
    ]
    nv, pl = r["naive_10000"], r["plan_10000"]
    out.append(
        f"| naive | {_s(nv['seconds'])} | {_cpu(nv)} | {nv['rss_mib']:.0f} MiB "
        f"| {nv['stats']['total']} | {nv['runs']} |"
    )
    out.append(
        f"| subctl plan | {_s(pl['seconds'])} | {_cpu(pl)} | {pl['rss_mib']:.0f} MiB | "
        f"{pl['stats']['total']} | {pl['runs']} |"
    )
    fl = r["floor_10000"]
    out += [
        "",
        "## 3. The floor (10,000, no added latency)",
        "",
        "Token, every list page (8 in flight after each listing's first page) with bare",
        "httpx and `json`, and the spec files through `yaml.CSafeLoader`; no models, no",
        "checks, no plan.",
        "",
        "| | time | CPU | peak RSS | requests | runs |",
        "|---|---|---|---|---|---|",
        f"| floor | {_s(fl['seconds'])} | {_cpu(fl)} | {fl['rss_mib']:.0f} MiB "
        f"| {fl['stats']['total']} | {fl['runs']} |",
        f"| subctl plan | {_s(p0['seconds'])} | {_cpu(p0)} | {p0['rss_mib']:.0f} MiB | "
        f"{p0['stats']['total']} | {p0['runs']} |",
        "",
        "## 4. apply: 1,000 auto-renew toggles (latency 50 ms)",
        "",
        "Rates as the sandbox saw them: mean over the run, and the busiest one-second window.",
        "",
        "| concurrency | time | before | mean rate | busiest second | requests | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in ("1", "8", "8_fast"):
        if f"apply_{c}" not in r:
            continue
        a = r[f"apply_{c}"]
        label = {"1": "1", "8": "8 (default)", "8_fast": "8, `SUBCTL_MAX_RATE=400`"}[c]
        out.append(
            f"| {label} | {_s(a['seconds'])} | {_before(base, f'apply_{c}')} "
            f"| {a['mean_per_second']:.1f}/s | {a['max_per_second']} | {a['stats']['total']} "
            f"| {a['runs']} |"
        )
    out += [
        "",
        "## 5. API calls per plan",
        "",
        "Minimum: token + subscription pages + one page per open/failed order status",
        "(submitted, processing, error) + one estimate per subscription to renew. Our plan",
        "also looks up the withdrawn-order history of each subscription it cancels",
        "(DESIGN.md section 5: the plan mentions a withdrawn order); those are counted apart.",
        "",
        "| N | calls without history | minimum | history look-ups | all calls | by call |",
        "|---|---|---|---|---|---|",
    ]
    for n in (1_000, 10_000, 100_000):
        p = r.get(f"plan_{n}")
        if p is None:
            continue
        made, total = _calls(p)
        by_call = ", ".join(f"{k}: {v}" for k, v in p["stats"]["requests"].items())
        out.append(
            f"| {n:,} | {made} | {p['minimum']} | {p['cancellations']} | {total} | {by_call} |"
        )
    return "\n".join(out) + "\n"


def write_report(path: Path, results: dict[str, Any]) -> None:
    base = json.loads(BASELINE.read_text("utf-8")) if BASELINE.exists() else None
    if not results.get("quick"):
        RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", "utf-8")
    path.write_text(render(results, base), encoding="utf-8")
