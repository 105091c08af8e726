"""The exit-code mapping and message shortening in controller/errors.py."""

from controller.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    ApiServerError,
    GuardError,
    NotFound,
    SpecErrors,
    SpecProblem,
    exit_code_for,
    shorten,
)


def test_exit_codes() -> None:
    assert exit_code_for(GuardError("no")) == EXIT_REFUSED
    assert exit_code_for(NotFound("x")) == EXIT_ERROR
    assert exit_code_for(KeyboardInterrupt()) == EXIT_INTERRUPTED
    assert exit_code_for(ValueError()) == EXIT_ERROR


def test_api_error_message_is_cut_and_located() -> None:
    err = ApiServerError("x" * 5000, method="GET", path="/orders", status=503, correlation_id="c1")
    text = str(err)
    assert text.startswith("GET /orders -> 503: ")
    assert text.endswith("[correlation id c1]")
    assert len(text) < 400
    assert err.retryable


def test_spec_errors_sorted() -> None:
    errs = SpecErrors([SpecProblem("b.yaml", 1, 1, "x"), SpecProblem("a.yaml", 9, 2, "y")])
    assert str(errs).splitlines() == ["a.yaml:9:2: y", "b.yaml:1:1: x"]
    assert shorten("a\n  b") == "a b"


def test_server_text_cannot_carry_terminal_escapes() -> None:
    # Regression: an error body's ANSI escapes and NUL reached stderr verbatim.
    err = NotFound("gone \x1b[2J\x1b[31mred\x00 \u202eevil", correlation_id="c\x1b]0;x\x07")
    text = str(err)
    assert "\x1b" not in text
    assert "\x00" not in text
    assert "\u202e" not in text
    assert "\x07" not in text
    assert "gone ?[2J?[31mred?" in text
