"""yamlpos: plain values with positions, YAML 1.2 scalars, and the refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from controller.spec.yamlpos import read_documents


def read(tmp_path: Path, text: str | bytes) -> tuple[list[object], list[str]]:
    path = tmp_path / "x.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    docs, problems = read_documents(path, "x.yaml")
    return [doc.data for doc in docs], [str(p) for p in problems]


def test_positions_of_values_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nsubs:\n  - id: 7\n    state:   active\n")
    (doc,), problems = read_documents(path, "x.yaml")
    assert problems == []
    assert doc.positions.value(("subs", 0, "state")) == (4, 14)
    assert doc.positions.key(("subs", 0, "state")) == (4, 5)
    assert doc.positions.value(("subs", 0)) == (3, 5)
    # A place that does not exist falls back to its nearest parent.
    assert doc.positions.value(("subs", 0, "missing")) == (3, 5)


def test_scalars_follow_yaml_1_2_where_1_1_surprises(tmp_path: Path) -> None:
    data, problems = read(
        tmp_path,
        "t: true\nf: False\ny: yes\nn: no\non: on\ni: 42\nz: 0123\nfl: 1.5\n"
        "d: 2027-01-31\nbad: 2027-02-30\nnull1:\nnull2: ~\nq: '1000177'\n",
    )
    assert problems == []
    assert data == [
        {
            "t": True,
            "f": False,
            "y": "yes",
            "n": "no",
            "on": "on",
            "i": 42,
            "z": "0123",
            "fl": 1.5,
            "d": dt.date(2027, 1, 31),
            "bad": "2027-02-30",
            "null1": None,
            "null2": None,
            "q": "1000177",
        }
    ]


def test_every_duplicate_key_is_reported(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\na: 2\n")
    assert problems == [
        "x.yaml:4:3: duplicate key 'c' (first at line 3)",
        "x.yaml:5:1: duplicate key 'a' (first at line 1)",
    ]


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    data, problems = read(tmp_path, b"\xef\xbb\xbfa: caf\xc3\xa9\n")
    assert (data, problems) == ([{"a": "café"}], [])


def test_control_characters_are_refused(tmp_path: Path) -> None:
    _, problems = read(tmp_path, b"a: 1\nb: x\x07y\n")
    assert len(problems) == 1
    assert problems == ["x.yaml:2:5: character U+0007 is not allowed in YAML"]


def test_a_complex_key_is_refused(tmp_path: Path) -> None:
    _, problems = read(tmp_path, "? [a, b]\n: 1\nc: 2\n")
    assert problems == ["x.yaml:1:3: a mapping key must be a plain word, not a list or mapping"]


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    data, problems = read(tmp_path, "a: &x\n  b: *x\n")
    assert data == []
    assert len(problems) == 1


def test_comments_only_is_an_empty_file(tmp_path: Path) -> None:
    assert read(tmp_path, "# nothing here\n\n") == (
        [],
        ["x.yaml:1:1: empty file: no YAML document in it"],
    )


def test_aliases_within_the_bound_are_expanded(tmp_path: Path) -> None:
    block = "s: &s {a: 1, b: 2, c: 3}\nl:\n" + "  - *s\n" * 500
    data, problems = read(tmp_path, block)
    assert problems == []
    assert data[0]["l"][499] == {"a": 1, "b": 2, "c": 3}  # type: ignore[index]


def test_aliases_past_the_bound_are_refused_without_expanding(tmp_path: Path) -> None:
    # 5,000 references to a 4,000-value list: 20 million values if expanded.
    big = "s: &s [" + ", ".join(["1"] * 4000) + "]\nl:\n" + "  - *s\n" * 5000
    data, problems = read(tmp_path, big)
    assert data == []
    assert problems == [
        "x.yaml:1:1: YAML aliases expand to 20,009,003 values (an alias bomb?); refused"
    ]
