"""Time the spec stage: load_specs on 10,000 subscriptions in 100 files.

Run from the repository root: ``python -m bench.bench_validate [N] [PER_FILE]``.
Prints the median of 5 runs (wall and CPU time), the fastest and slowest, peak
Python memory (tracemalloc, one extra run) and the process's peak RSS. Target:
10,000 subscriptions in 100 files in under 2 s.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.generate import write_specs
from controller.spec.loader import load_specs

RUNS = 5
TARGET_SECONDS = 2.0


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 10_000
    per_file = int(argv[1]) if len(argv) > 1 else 100
    with tempfile.TemporaryDirectory() as tmp:
        files = write_specs(Path(tmp) / "specs", n, per_file)
        size = sum(path.stat().st_size for path in files)
        times, cpu = [], []
        for _ in range(RUNS):
            start, start_cpu = time.perf_counter(), time.process_time()
            state = load_specs([Path(tmp) / "specs"])
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert len(state.subscriptions) == n
        tracemalloc.start()
        load_specs([Path(tmp) / "specs"])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    median = statistics.median(times)
    print(f"validate {n} subscriptions in {len(files)} files ({size / 1024:.0f} KiB)")
    print(f"  median {median:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s ({RUNS} runs)")
    # CPU time is the steadier figure on a shared machine; wall time is what users wait.
    print(f"  median CPU time {statistics.median(cpu):.3f} s")
    print(f"  peak traced memory {peak / 1048576:.1f} MiB")
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"  peak RSS of the process {rss_mib:.0f} MiB")
    verdict = "ok" if median < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"  target < {TARGET_SECONDS:.1f} s: {verdict}")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
