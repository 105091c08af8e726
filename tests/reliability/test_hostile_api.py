"""Hostile API answers: clear ``ApiError``s, no writes on their strength, bounded cost.

A deliberately broken server (broken_api.py) answers the listings with wrong types,
unknown enums, bodies over 10 MiB, non-JSON, huge or garbled errors, and a slow drip
(a byte every 0.5 s, forever). The client must turn each into one short ApiError
within its timeouts and a bounded amount of memory, and apply must write nothing.
"""

from __future__ import annotations

import dataclasses
import time
import tracemalloc
from pathlib import Path
from typing import Any

import anyio
import pytest
from click.testing import CliRunner

from controller.cli import main
from controller.errors import (
    ApiClientError,
    ApiError,
    ApiProtocolError,
    ApiServerError,
    ApiUnavailable,
)
from controller.marketplace.client import MarketplaceClient, make_http_client
from controller.marketplace.retry import set_testing
from controller.marketplace.settings import ApiSettings, Secret
from tests.e2e.harness import env_for, write_specs
from tests.reliability.broken_api import ESCAPES, MODES, SLOW_ORDER, BrokenApi
from tests.reliability.conftest import cli_against

EXPECTED: dict[str, type[ApiError]] = {
    "wrong-types": ApiProtocolError,
    "unknown-enum": ApiProtocolError,
    "orders-unknown-enum": ApiProtocolError,
    "huge-streamed": ApiProtocolError,
    "huge-declared": ApiProtocolError,
    "not-json": ApiProtocolError,
    "error-huge": ApiServerError,
    "error-not-json": ApiClientError,
    "drip": ApiUnavailable,
}
# Short timeouts so that the drip costs seconds; the rules are the shipped ones.
TIMEOUTS: dict[str, Any] = {
    "read_timeout": 2.0,
    "request_timeout": 3.0,
    "retry_attempts": 2,
    "max_rate": 1000.0,
}


# Listings whose only fault is one item outside the published enums (issue 12).
PER_ITEM = frozenset({"unknown-enum", "orders-unknown-enum"})


def _settings(url: str) -> ApiSettings:
    return ApiSettings(
        base_url=url,
        username="u",
        password=Secret("p"),
        subscription_key=Secret("k"),
        **TIMEOUTS,
    )


async def _observe(url: str) -> None:
    settings = _settings(url)
    async with make_http_client(settings) as http:
        client = MarketplaceClient(http, settings)
        [s async for s in client.iter_subscriptions()]
        [o async for o in client.iter_orders(status="submitted")]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_client_turns_garbage_into_one_short_api_error(
    broken: tuple[BrokenApi, str], mode: str
) -> None:
    api, url = broken
    api.mode = mode
    set_testing(True)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with anyio.fail_after(30), pytest.raises(ApiError) as caught:
            await _observe(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        set_testing(False)
    elapsed = time.monotonic() - started
    err = caught.value
    assert isinstance(err, EXPECTED[mode]), repr(err)
    text = str(err)
    assert len(text) < 600, text[:600]
    assert "\n" not in text
    assert "\x1b" not in text
    assert peak < 40 * 1024 * 1024, f"{mode}: peak {peak / 2**20:.1f} MiB"
    assert elapsed < 15, f"{mode}: {elapsed:.1f}s"


@pytest.mark.parametrize("mode", MODES)
def test_apply_writes_nothing_on_garbage(
    broken: tuple[BrokenApi, str],
    mode: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, url = broken
    api.mode = mode
    api.writes.clear()
    monkeypatch.chdir(tmp_path)
    original = ApiSettings.from_env

    def from_env(*args: Any, **kwargs: Any) -> ApiSettings:
        return dataclasses.replace(original(*args, **kwargs), **TIMEOUTS)

    monkeypatch.setattr(ApiSettings, "from_env", staticmethod(from_env))
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "3000000", "state": "cancelled", "cancellation": {"reason": "moved away"}},
            {"id": "3000001", "state": "active", "autoRenew": False, "renewThrough": "2029-03-31"},
        ],
    )
    env = env_for(None) | {"SUBCTL_API_URL": url}
    set_testing(True)
    started = time.monotonic()
    try:
        result = CliRunner().invoke(
            main, ["apply", str(specs), "--yes", "--journal", "j.jsonl"], env=env
        )
    finally:
        set_testing(False)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error: ")]
    if mode in PER_ITEM:
        # One item that does not fit is its subscription's error in the plan, not the run's.
        # The other subscription is still planned (its renewal priced: no write).
        assert errors == [], result.stderr[:2000]
        assert "live value invalid" in result.stdout
        assert [w for w in api.writes if w != "POST /orders/estimate"] == []
        assert not Path("j.jsonl").exists() or Path("j.jsonl").read_text() == ""
    else:
        assert len(errors) == 1, result.stderr[:2000]
        assert len(errors[0]) < 600
        assert api.writes == []
        assert not Path("j.jsonl").exists()
    assert time.monotonic() - started < 20


def test_escapes_in_live_data_never_reach_the_terminal(
    broken: tuple[BrokenApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Valid answers whose names, order numbers and attributes carry terminal escapes
    # and a bidi override: plans show them escaped, in every format.
    _, env = cli_against(broken, ESCAPES, tmp_path, monkeypatch)
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [
            {"id": "3000000", "state": "active", "autoRenew": False},
            {"id": "3000001", "state": "cancelled", "cancellation": {"reason": "moved away"}},
        ],
    )
    for fmt in ("text", "json", "markdown"):
        result = CliRunner().invoke(main, ["plan", str(specs), "--format", fmt], env=env)
        assert result.exit_code == 0, result.stdout + result.stderr
        out = result.stdout + result.stderr
        assert "SO77" in out
        assert "\x1b" not in out
        assert "\x07" not in out
        if fmt != "json":  # JSON is data for programs; it keeps the text, escapes ESC
            assert "\u202e" not in out


def _apply_cancel_77(env: dict[str, str], tmp_path: Path, *extra: str) -> tuple[Any, float]:
    specs = write_specs(
        tmp_path / "specs",
        "acme",
        [{"id": "3000001", "state": "cancelled", "cancellation": {"reason": "moved away"}}],
    )
    started = time.monotonic()
    result = CliRunner().invoke(main, ["apply", str(specs), "--yes", *extra], env=env)
    return result, time.monotonic() - started


def test_wait_ends_within_its_duration_against_a_slow_server(
    broken: tuple[BrokenApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression (issue 16): each poll of apply --wait ran to the client's own timeouts
    # and retries, one order after another; --wait 5s took 122 s against a slow server.
    api, env = cli_against(broken, SLOW_ORDER, tmp_path, monkeypatch)
    api.order_delay = 40.0  # per GET /orders/{id}: far more than --wait
    api.writes.clear()
    try:
        result, elapsed = _apply_cancel_77(env, tmp_path, "--wait", "2s")
    finally:
        api.order_delay = 0.0
    assert api.writes == ["PATCH /orders/77"]
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "order SO77 still processing after --wait 2s" in result.stdout + result.stderr
    assert elapsed <= 2 + 5, f"--wait 2s took {elapsed:.1f}s"


def test_escapes_in_live_data_never_reach_the_terminal_in_apply(
    broken: tuple[BrokenApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression (issue 16): the --wait completion line printed the live order number
    # as it came (ESC[2J, an OSC 8 link, CR, U+202E reached the terminal).
    _, env = cli_against(broken, ESCAPES, tmp_path, monkeypatch)
    for fmt in ("text", "markdown"):
        result, _ = _apply_cancel_77(env, tmp_path, "--wait", "10s", "--format", fmt)
        out = result.stdout + result.stderr
        assert result.exit_code == 0, out
        assert "SO77" in out
        assert "is now completed" in out
        for bad in ("\x1b", "\x07", "\r", "\u202e", "\u2066", "\x9b"):
            assert bad not in out, (fmt, repr(bad))


def test_export_of_hostile_live_data_writes_files_that_validate(
    broken: tuple[BrokenApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression (issue 16): export wrote the live name and reason with their escapes
    # (as JSON \u001b); the file it wrote then failed `subctl validate`.
    _, env = cli_against(broken, ESCAPES, tmp_path, monkeypatch)
    exported = CliRunner().invoke(main, ["export", "--out", "adopted"], env=env)
    assert exported.exit_code == 0, exported.stdout + exported.stderr
    written = (tmp_path / "adopted" / "customer-1000275.yaml").read_text(encoding="utf-8")
    assert "product guard left out" in written
    for bad in ("\x1b", "\x07", "\u202e", "\\u001b", "\\u202e"):
        assert bad not in written, repr(bad)
    checked = CliRunner().invoke(main, ["validate", "adopted"], env=env)
    assert checked.exit_code == 0, checked.stdout + checked.stderr
    streamed = CliRunner().invoke(main, ["export"], env=env)
    assert streamed.exit_code == 0
    assert "\x1b" not in streamed.stdout + streamed.stderr
