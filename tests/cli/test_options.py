"""Command-line surface (issue 14): help on every option, global options after the
command, ``-y``, connection errors that name the URL, and ``-v`` logging of writes."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from controller.cli import main
from controller.marketplace.retry import set_testing
from tests.e2e.conftest import StartServer
from tests.e2e.harness import KEY, PASSWORD, USER, sub, subctl, subctl_process, write_specs


def _walk(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, child in command.commands.items():
            yield from _walk(child, f"{path} {name}")


def test_every_option_of_every_command_has_help() -> None:
    missing = [
        f"{path}: {'/'.join(param.opts)}"
        for path, command in _walk(main, "subctl")
        for param in command.get_params(click.Context(command))
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert missing == []


def test_global_options_are_accepted_after_every_command() -> None:
    for path, command in _walk(main, "subctl"):
        if command is main:
            continue
        names = {opt for p in command.params for opt in getattr(p, "opts", ())}
        for option in ("-v", "--verbose", "-q", "--no-color", "--api-url", "--marketplace"):
            assert option in names, f"{path} lacks {option}"


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    entry = {"id": "1000177", "state": "active", "autoRenew": True}  # in the demo seed
    return write_specs(tmp_path / "specs", "acme", [entry])


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "specs", "-v"],
        ["plan", "specs", "-vv", "--no-color", "-q"],
        ["-v", "plan", "specs"],
        ["validate", "specs", "-v"],
        ["plan", "specs", "--api-url", "sandbox"],
    ],
)
def test_options_before_or_after_the_command(specs: Path, args: list[str]) -> None:
    assert specs.exists()
    result = CliRunner().invoke(main, args, env={"SUBCTL_API_URL": "sandbox", "CI": ""})
    assert "No such option" not in result.output
    assert result.exit_code == 0, result.output
    if args[0] == "plan" or args[1:2] == ["plan"]:
        assert "Plan for embedded sandbox" in result.stdout


def test_an_option_after_the_command_overrides_the_environment(specs: Path) -> None:
    """--api-url after the command wins over SUBCTL_API_URL (here: a closed port)."""
    set_testing(True)
    try:
        result = CliRunner().invoke(
            main,
            ["export", "--api-url", "sandbox"],
            env={"SUBCTL_API_URL": "http://127.0.0.1:9", "CI": ""},
        )
    finally:
        set_testing(False)
    assert result.exit_code == 0, result.output
    assert "subscriptions:" in result.stdout


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def no_backoff() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


def _plan_against(url: str, specs: Path) -> tuple[int, str]:
    env = {
        "SUBCTL_API_URL": url,
        "SUBCTL_ALLOW_INSECURE_HTTP": "1",
        "SUBCTL_USERNAME": USER,
        "SUBCTL_PASSWORD": PASSWORD,
        "SUBCTL_SUBSCRIPTION_KEY": KEY,
    }
    result = CliRunner().invoke(main, ["plan", str(specs)], env=env)
    return result.exit_code, result.stderr


@pytest.mark.usefixtures("no_backoff")
def test_refused_port_names_the_url(specs: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    code, err = _plan_against(url, specs)
    assert code == 1
    assert f"cannot connect to {url} (connection refused)" in err
    assert len(err.strip().splitlines()) == 1  # one line, no traceback


@pytest.mark.usefixtures("no_backoff")
def test_unknown_host_names_the_url(specs: Path) -> None:
    code, err = _plan_against("http://no-such-host.invalid", specs)
    assert code == 1
    assert "cannot connect to http://no-such-host.invalid (DNS: host name not found)" in err


@pytest.mark.usefixtures("no_backoff")
def test_tls_failure_names_the_url(specs: Path) -> None:
    """https to a port that does not speak TLS: the handshake fails."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        code, err = _plan_against(f"https://127.0.0.1:{port}", specs)
    finally:
        stop.set()
        thread.join()
        server.close()
    assert code == 1
    assert f"cannot connect to https://127.0.0.1:{port} (TLS: " in err


def test_yes_short_alias_and_verbose_logs_each_write(sandbox: StartServer, tmp_path: Path) -> None:
    """-y applies without asking; -v after the command logs each write (method, path,
    subscription, order, outcome) on stderr, and never a secret."""
    server = sandbox({"subscriptions": [sub("201", renew=False), sub("202", price="70.50")]})
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "201", "state": "active", "autoRenew": True},
            {"id": "202", "state": "active", "autoRenew": True, "renewThrough": "2028-03-31"},
        ],
    )
    result = subctl_process(server, "apply", str(specs), "-y", "-v", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "write PATCH /subscriptions/201 (set-auto-renew) subscription 201: succeeded" in (
        result.stderr
    )
    assert "write POST /orders (renew) subscription 202: succeeded, order " in result.stderr
    for secret in (PASSWORD, KEY):
        assert secret not in result.stderr + result.stdout
    quiet = subctl(server, "plan", str(specs))
    assert quiet.code == 0
    assert "write " not in quiet.stderr
