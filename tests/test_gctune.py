"""The run's garbage-collector tuning is undone when the run ends (in-process callers)."""

from __future__ import annotations

import gc

import pytest

from controller.gctune import YOUNG_THRESHOLD, batch_gc, freeze_loaded


def test_batch_gc_raises_the_young_threshold_and_restores_everything() -> None:
    before = gc.get_threshold()
    with batch_gc():
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
        freeze_loaded()
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_batch_gc_restores_after_an_error() -> None:
    before = gc.get_threshold()

    @batch_gc()
    def failing() -> None:
        freeze_loaded()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
