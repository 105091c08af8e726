"""The spec digest a saved plan records: the same specs, however the path is written,
have one digest; a changed byte, a renamed or an added file change it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from controller.spec.digest import spec_digest


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs" / "team").mkdir(parents=True)
    (tmp_path / "specs" / "a.yaml").write_text("a: 1\n")
    (tmp_path / "specs" / "team" / "b.yaml").write_text("b: 2\n")
    return tmp_path


def _digest(root: str) -> str:
    files = [os.path.join(root, "a.yaml"), os.path.join(root, "team", "b.yaml")]
    return spec_digest(files, [root])


def test_same_specs_written_three_ways_have_one_digest(tree: Path) -> None:
    # A plan made with `specs/` in CI is applied with an absolute path elsewhere.
    assert _digest("specs") == _digest("./specs/") == _digest(str(tree / "specs"))


def test_a_changed_byte_or_name_changes_it(tree: Path) -> None:
    before = _digest("specs")
    (tree / "specs" / "a.yaml").write_text("a: 2\n")
    assert _digest("specs") != before
    (tree / "specs" / "a.yaml").write_text("a: 1\n")
    assert _digest("specs") == before
    (tree / "specs" / "c.yaml").write_text("a: 1\n")  # a.yaml's content under another name
    assert spec_digest(["specs/c.yaml", "specs/team/b.yaml"], ["specs"]) != before


def test_a_file_argument_is_named_by_its_base_name(tree: Path) -> None:
    here = spec_digest(["specs/a.yaml"], ["specs/a.yaml"])
    there = spec_digest([str(tree / "specs" / "a.yaml")], [str(tree / "specs" / "a.yaml")])
    assert here == there
