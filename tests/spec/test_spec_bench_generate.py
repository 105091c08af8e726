"""The benchmark's spec generator writes valid, realistic, deterministic specs."""

from __future__ import annotations

from pathlib import Path

from bench.generate import FIRST_ID, write_specs
from controller.spec.loader import load_specs


def test_generated_specs_are_valid_and_mixed(tmp_path: Path) -> None:
    paths = write_specs(tmp_path / "specs", 250)
    assert [p.name for p in paths] == [
        "customer-00000.yaml",
        "customer-00001.yaml",
        "customer-00002.yaml",
    ]
    state = load_specs([tmp_path / "specs"])
    ids = [int(s.id) for s in state.subscriptions]
    assert ids == list(range(FIRST_ID, FIRST_ID + 250))
    cancelled = sum(s.state == "cancelled" for s in state.subscriptions)
    assert 25 <= cancelled <= 75  # about 20%
    assert any(s.renewThrough for s in state.subscriptions)


def test_generation_is_deterministic(tmp_path: Path) -> None:
    one = write_specs(tmp_path / "one", 120, per_file=50)
    two = write_specs(tmp_path / "two", 120, per_file=50)
    assert [p.read_text() for p in one] == [p.read_text() for p in two]
    assert len(one) == 3
