"""The CLI's one error handler: exit codes, one-line messages, task-group unwrapping."""

from __future__ import annotations

import pytest

from controller.errorhandler import run_body as _run
from controller.errors import ApiServerError, GuardError


def _exit(body: object, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        _run(body)  # type: ignore[arg-type]
    return int(info.value.code or 0), capsys.readouterr().err


def test_error_inside_a_task_group_keeps_its_message_and_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def body() -> int:
        raise ExceptionGroup("tasks", [ExceptionGroup("inner", [GuardError("refused: x")])])

    code, err = _exit(body, capsys)
    assert code == 3
    assert err.strip() == "error: refused: x"


def test_several_errors_the_most_severe_code_wins(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise ExceptionGroup("tasks", [ApiServerError("boom"), GuardError("refused")])

    code, err = _exit(body, capsys)
    assert code == 3
    assert "refused" in err


def test_a_bug_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> int:
        raise ExceptionGroup("tasks", [ValueError("a"), KeyError("b")])

    code, err = _exit(body, capsys)
    assert code == 1
    assert err.startswith("internal error: ExceptionGroup")
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
