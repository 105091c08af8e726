"""Every file under tests/spec/bad/ breaks one rule and is refused at the right place.

A file states its expectation on its first line (``# expect: LINE:COL: text``); a
directory holds an ``EXPECT`` file (``FILE:LINE:COL: text``, ``{dir}`` for its path).
Each case must give exactly that one problem, and ``subctl validate`` must exit 1
with the located line on stderr and no traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from controller.cli import main
from controller.spec import yamlpos
from controller.spec.loader import check_specs

BAD = Path(__file__).parent / "bad"
_EXPECT = re.compile(rb"^# expect: (\d+):(\d+): (.+)$")
_DIR_EXPECT = re.compile(r"^([^:]+):(\d+):(\d+): (.+)$")


@dataclass(frozen=True)
class Case:
    target: Path
    path: str
    line: int
    column: int
    text: str


def _cases() -> list[Case]:
    cases = []
    for entry in sorted(BAD.iterdir()):
        if entry.is_dir():
            found = _DIR_EXPECT.match((entry / "EXPECT").read_text().strip())
            assert found, f"{entry}/EXPECT: want FILE:LINE:COL: text"
            name, line, col, text = found.groups()
            path = f"{entry}/{name}"
            cases.append(Case(entry, path, int(line), int(col), text.replace("{dir}", str(entry))))
        else:
            first = entry.read_bytes().split(b"\n", 1)[0]
            match = _EXPECT.match(first)
            assert match, f"{entry}: first line must be '# expect: LINE:COL: text'"
            line_b, col_b, text_b = match.groups()
            cases.append(Case(entry, str(entry), int(line_b), int(col_b), text_b.decode()))
    return cases


CASES = _cases()


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[case.target.name for case in CASES])
def test_bad_spec_is_refused_at_its_place(case: Case) -> None:
    report = check_specs([case.target])
    assert not report.valid
    assert report.state is None
    assert len(report.problems) == 1, [str(p) for p in report.problems]
    problem = report.problems[0]
    assert (problem.path, problem.line, problem.column) == (case.path, case.line, case.column)
    assert case.text in problem.message


@pytest.mark.parametrize("case", CASES, ids=[case.target.name for case in CASES])
def test_validate_command_exits_1_without_traceback(case: Case) -> None:
    result = CliRunner().invoke(main, ["validate", str(case.target)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{case.path}:{case.line}:{case.column}: ")
    assert case.text in lines[0]
    assert lines[-1] == "1 error in 1 file"


class _PurePython(yaml.SafeLoader):
    """PyYAML's own parser: what runs when PyYAML was built without libyaml."""

    resolve = yamlpos._FastLoader.resolve


@pytest.mark.parametrize("case", CASES, ids=[case.target.name for case in CASES])
def test_the_pure_python_parser_finds_the_same_places(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yamlpos, "_FastLoader", _PurePython)
    (problem,) = check_specs([case.target]).problems
    assert (problem.path, problem.line, problem.column) == (case.path, case.line, case.column)
    if "syntax" not in case.target.name:  # libyaml and PyYAML word syntax errors apart
        assert case.text in problem.message
