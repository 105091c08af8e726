"""Garbage-collector settings for one subctl run over large object graphs.

A plan of 100,000 subscriptions holds a few million small objects (spec models, live
models, plan values) that live until the run ends and contain no reference cycles.
CPython's default thresholds (700 allocations per young collection) make it walk that
whole heap again and again: at 30,000 subscriptions 20% of a plan's time was spent in
the collector, and the share grows with the size. So during a run (``batch_gc``, also a
decorator) the young threshold is raised (cycles are still collected, in larger batches)
and, once the specs are loaded, ``freeze_loaded`` moves what exists into the permanent
generation, which later collections skip. Both are undone when the run ends, so an
in-process caller (tests, CliRunner) gets its collector back as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000


@contextmanager
def batch_gc() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, saved[0]), *saved[1:])
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*saved)


def freeze_loaded() -> None:
    """Exempt everything alive now (the loaded specs) from later collections."""
    gc.freeze()
