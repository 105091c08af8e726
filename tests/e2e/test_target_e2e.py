"""Target selection at the command line: the embedded sandbox is never chosen silently
under CI, is announced on every run, and credentials never show up in output."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.cli import main


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_ci_without_target_refuses(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = Path(__file__).resolve().parents[2]
    code, _out, err = _run(
        [command, str(root / "specs"), "--yes"]
        if command == "apply"
        else [command, str(root / "specs")],
        {"CI": "true", "SUBCTL_API_URL": ""},
    )
    assert code == 1
    assert "SUBCTL_API_URL" in err
    assert "sandbox" in err
    assert not (tmp_path / ".subctl").exists()  # nothing written, no sandbox created


def test_embedded_sandbox_is_explicit_and_announced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    root = Path(__file__).resolve().parents[2]
    code, out, err = _run(
        ["plan", str(root / "specs"), "--format", "json"],
        {"CI": "true", "SUBCTL_API_URL": "sandbox", "SUBCTL_PASSWORD": "hunter2-secret-x"},
    )
    assert code == 0, err
    assert "not a real marketplace" in err
    assert out.lstrip().startswith("{")  # the banner stays off stdout
    assert "hunter2-secret-x" not in out + err
    assert (tmp_path / ".subctl" / "sandbox.db").exists()
