"""Which files are read, and the refusals that concern a file as a whole."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from controller.spec.files import discover
from controller.spec.loader import check_specs
from controller.spec.textfile import MAX_FILE_BYTES

GOOD = (
    "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: {name}\n"
    'subscriptions:\n  - id: "{id}"\n    state: active\n    autoRenew: true\n'
)


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    report = check_specs([tmp_path / "nope.yaml"])
    assert [str(p) for p in report.problems] == [
        f"{tmp_path}/nope.yaml:1:1: no spec files found under {tmp_path}/nope.yaml "
        "(no such file or directory)"
    ]


def test_a_symlink_out_of_the_walked_directory_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(GOOD.format(name="x", id="1"))
    root = tmp_path / "specs"
    root.mkdir()
    (root / "in.yaml").write_text(GOOD.format(name="y", id="2"))
    (root / "link.yaml").symlink_to(outside)
    report = check_specs([root])
    assert [p.message for p in report.problems] == [
        f"symlink points outside {root} (to {outside}); refused"
    ]
    assert report.problems[0].path == f"{root}/link.yaml"


def test_a_symlinked_directory_outside_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.yaml").write_text(GOOD.format(name="x", id="1"))
    root = tmp_path / "specs"
    root.mkdir()
    (root / "team").symlink_to(tmp_path / "other")
    files, problems = discover([str(root)])
    assert files == []
    assert [p.path for p in problems] == [f"{root}/team"]


def test_a_symlink_inside_the_tree_is_followed_once(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    (root / "real").mkdir(parents=True)
    (root / "real" / "a.yaml").write_text(GOOD.format(name="a", id="1"))
    (root / "alias").symlink_to(root / "real")
    (root / "real" / "loop").symlink_to(root)
    report = check_specs([root])
    assert report.valid, report.problems
    assert report.state is not None
    assert report.state.files == (f"{root}/alias/a.yaml",)


def test_a_file_over_5_mib_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as handle:
        handle.write(GOOD.format(name="big", id="1"))
        handle.write("# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    report = check_specs([big])
    assert [str(p) for p in report.problems] == [
        f"{big}:1:1: file is 5.0 MiB, over the 5 MiB limit; refused"
    ]


def test_a_file_just_under_the_limit_is_read(tmp_path: Path) -> None:
    text = GOOD.format(name="fits", id="1")
    padding = "#" * 99 + "\n"
    text += padding * ((MAX_FILE_BYTES - len(text)) // len(padding))
    path = tmp_path / "fits.yaml"
    path.write_text(text)
    assert MAX_FILE_BYTES - 100 < path.stat().st_size <= MAX_FILE_BYTES
    assert check_specs([path]).valid


def test_the_alias_bomb_fails_fast(tmp_path: Path) -> None:
    bomb = Path(__file__).parent / "bad" / "alias-bomb.yaml"
    start = time.process_time()
    report = check_specs([bomb])
    # Generous bound: expanding it would take minutes and gigabytes.
    assert time.process_time() - start < 2.0
    assert "alias bomb" in report.problems[0].message


def test_a_non_regular_file_is_refused() -> None:
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    report = check_specs(["/dev/null"])
    assert [p.message for p in report.problems] == ["not a regular file or directory"]


def test_no_paths_is_an_error() -> None:
    assert [p.message for p in check_specs([]).problems] == ["no spec paths given"]


def test_a_symlink_loop_is_a_one_line_error_with_its_path(tmp_path: Path) -> None:
    # Regression (issue 16): Path.resolve raised RuntimeError, an internal error.
    root = tmp_path / "specs"
    root.mkdir()
    (root / "in.yaml").write_text(GOOD.format(name="y", id="2"))
    (root / "self.yaml").symlink_to("self.yaml")
    (root / "a.yaml").symlink_to("b.yaml")
    (root / "b.yaml").symlink_to("a.yaml")
    (root / "dirloop").symlink_to("dirloop")
    report = check_specs([root, root / "a.yaml"])
    loop = "symlink loop: the link leads back to itself; refused"
    assert sorted({str(p) for p in report.problems}) == [
        f"{root}/a.yaml:1:1: {loop}",
        f"{root}/b.yaml:1:1: {loop}",
        f"{root}/dirloop:1:1: {loop}",
        f"{root}/self.yaml:1:1: {loop}",
    ]
