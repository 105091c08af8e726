"""Known secret values are masked everywhere; unusable credentials are refused at start.

Issue 16: httpx's ``Illegal header value b'...\\n'`` printed the subscription key and
the token; a server error body or header that echoed the credentials reached stderr
and the journal; a trailing newline in a credential gave that transport error, and a
non-ASCII one "internal error: ExceptionGroup". The redactor (controller/redact.py)
is fed the values at start-up and each token; credentials are checked first.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from controller.cli import main
from controller.redact import RedactingFilter, redact, remember_secret
from tests.e2e.harness import KEY, PASSWORD, USER, write_specs
from tests.reliability.broken_api import (
    BAD_TOKEN,
    BAD_TOKEN_VALUE,
    ECHO_SECRETS,
    BrokenApi,
)
from tests.reliability.conftest import cli_against

TOKEN = "t" * 40  # what broken_api issues
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def _specs(tmp_path: Path) -> Path:
    return write_specs(
        tmp_path / "specs", "acme", [{"id": "3000000", "state": "active", "autoRenew": False}]
    )


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("SUBCTL_PASSWORD", PASSWORD + "\n", "contains a line break (CR or LF)"),
        ("SUBCTL_SUBSCRIPTION_KEY", KEY + "\r\n", "contains a line break (CR or LF)"),
        ("SUBCTL_SUBSCRIPTION_KEY", "e2e-\nkey-91bc", "contains a line break (CR or LF)"),
        ("SUBCTL_USERNAME", USER + "\r", "contains a line break (CR or LF)"),
        ("SUBCTL_SUBSCRIPTION_KEY", "e2e-kéy-91bc", "contains a non-ASCII character"),
        ("SUBCTL_PASSWORD", "pässwörd-1234", "contains a non-ASCII character"),
        ("SUBCTL_PASSWORD", "pass\tword-1234", "contains a control character"),
    ],
)
def test_unusable_credentials_are_refused_at_start_naming_the_variable(
    broken: tuple[BrokenApi, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    says: str,
) -> None:
    api, env = cli_against(broken, "ok", tmp_path, monkeypatch)
    env |= {variable: value}
    api.requests.clear()
    for command in (["plan"], ["apply", "--yes"]):
        result = CliRunner().invoke(main, [*command, str(_specs(tmp_path))], env=env)
        assert result.exit_code == 1, result.stdout + result.stderr
        (line,) = result.stderr.splitlines()  # one line
        assert line.startswith(f"error: {variable} {says}"), line
        assert "internal error" not in result.stderr
        assert value.strip() not in result.stdout + result.stderr
    assert api.requests == []  # refused before any call


def _leaks(text: str) -> list[str]:
    secrets = {"password": PASSWORD, "key": KEY, "basic": BASIC, "token": TOKEN}
    secrets["bad token"] = BAD_TOKEN_VALUE.strip()
    return [name for name, value in secrets.items() if value in text]


def test_a_server_echoing_credentials_reaches_no_output_nor_journal(
    broken: tuple[BrokenApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The refused PATCH's error body and correlation id header quote the key and the
    # bearer token; the failed write's journal line carries that message.
    api, env = cli_against(broken, ECHO_SECRETS, tmp_path, monkeypatch)
    api.writes.clear()
    result = CliRunner().invoke(
        main,
        ["-vv", "apply", str(_specs(tmp_path)), "--yes", "--journal", "j.jsonl"],
        env=env,
    )
    assert api.writes == ["PATCH /subscriptions/3000000"]
    assert result.exit_code == 1, result.stdout + result.stderr
    journal = Path("j.jsonl").read_text(encoding="utf-8")
    assert "refused: key ***" in journal
    for where, text in (("stdout", result.stdout), ("stderr", result.stderr), ("journal", journal)):
        assert _leaks(text) == [], where


def test_a_token_that_cannot_be_a_header_is_refused_and_never_shown(
    broken: tuple[BrokenApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: httpx refused the header with "Illegal header value b'tok-...\n'".
    _, env = cli_against(broken, BAD_TOKEN, tmp_path, monkeypatch)
    result = CliRunner().invoke(main, ["-vv", "plan", str(_specs(tmp_path))], env=env)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "cannot be sent in a header" in result.stderr
    assert _leaks(result.stdout + result.stderr) == []


def test_the_redactor_masks_every_quoted_form() -> None:
    remember_secret("s3cr3t-\u00e9-value")
    assert redact("a s3cr3t-\u00e9-value b") == "a *** b"
    assert redact(r"json s3cr3t-\u00e9-value") == "json ***"
    assert redact(r"bytes b's3cr3t-\xc3\xa9-value'") == "bytes b'***'"
    remember_secret("abc")  # too short to mask without destroying messages
    assert redact("abc") == "abc"
    remember_secret("sandbox")  # the sandbox's published default
    assert redact("embedded sandbox") == "embedded sandbox"


def test_the_redactor_masks_the_html_form_the_status_page_writes() -> None:
    # jinja2 autoescaping turns '&' and '<' into entities: the plain form no longer matches.
    remember_secret("p&ss<word>-42")
    assert redact("<td>Care p&amp;ss&lt;word&gt;-42</td>") == "<td>Care ***</td>"


def test_the_logging_filter_masks_messages_and_their_arguments() -> None:
    remember_secret("log-secret-5d2e")
    record = logging.LogRecord(
        "subctl", logging.DEBUG, __file__, 1, "got %s", ("log-secret-5d2e",), None
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "got ***"
