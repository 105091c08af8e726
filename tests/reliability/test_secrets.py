"""Secrets never appear in any output, at any verbosity (DESIGN.md section 7).

Every command runs as a real process at ``-vv`` against a sandbox whose password and
subscription key are distinctive strings; stdout, stderr, plan files, summaries, the
journal and the sandbox's own output are searched for them, for the HTTP Basic form
of the credentials, for ``Bearer``, and for every long token-like string whose hash
is in the sandbox's table of issued tokens (it stores only hashes, so that is the
way to recognise a real token without having it).
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from controller.errors import ConfigError
from controller.marketplace.settings import ApiSettings
from controller.sandbox.db import token_hash
from tests.e2e.harness import (
    KEY,
    PASSWORD,
    USER,
    Result,
    Server,
    env_for,
    subctl_process,
)
from tests.reliability.scenario import make_scenario, start_on, stop
from tests.support.served import process_env

WRONG_PASSWORD = "wrong-pass-zz81-very-distinctive"
TOKENISH = re.compile(r"[A-Za-z0-9_\-]{20,}")


def _issued(db: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT token_hash FROM tokens")}
    finally:
        conn.close()


def _leaks(text: str, issued: set[str]) -> list[str]:
    found = []
    basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for secret, name in ((PASSWORD, "password"), (KEY, "subscription key"), (basic, "basic")):
        if secret in text:
            found.append(name)
    if "Bearer" in text or "bearer " in text.lower():
        found.append("Bearer")
    found += [f"token {m[:6]}..." for m in TOKENISH.findall(text) if token_hash(m) in issued]
    return found


def test_no_secret_in_any_output(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path / "specs", 18)
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(sc.seed), encoding="utf-8")
    db = tmp_path / "sandbox.db"
    server = start_on(db, seed, "--vendor-delay", "60", verbose=True)
    paths = sc.paths
    runs: dict[str, Result] = {}
    try:
        runs["validate"] = subctl_process(server, "-vv", "validate", *paths, cwd=tmp_path)
        for fmt in ("text", "json", "markdown"):
            runs[f"plan {fmt}"] = subctl_process(
                server, "-vv", "plan", *paths, "--format", fmt,
                "--out", f"plan-{fmt}.json", "--summary", f"plan-summary-{fmt}.json",
                cwd=tmp_path,
            )  # fmt: skip
        for fmt in ("text", "json"):
            runs[f"apply {fmt}"] = subctl_process(
                server, "-vv", "apply", *paths, "--yes", "--format", fmt,
                "--max-cancellations", "100", "--journal", "journal.jsonl",
                "--summary", f"apply-summary-{fmt}.json", cwd=tmp_path,
            )  # fmt: skip
        runs["apply --plan"] = subctl_process(
            server, "-vv", "apply", *paths, "--plan", "plan-json.json", "--yes",
            "--journal", "journal.jsonl", cwd=tmp_path,
        )  # fmt: skip
        wrong = _wrong_password_run(server, paths, tmp_path, WRONG_PASSWORD)
        # The detector itself must work: a token we obtain is recognised as one.
        probe_token = server.api()._login()["Authorization"].split()[1]
    finally:
        server_err = stop(server)
    issued = _issued(db)
    assert _leaks(f"log: {probe_token}.", issued) == [f"token {probe_token[:6]}..."]
    assert wrong.code == 1
    assert "401" in wrong.stderr or "nauthori" in wrong.stderr, wrong.stderr[-2000:]
    assert WRONG_PASSWORD not in wrong.stdout + wrong.stderr
    runs["plan with a wrong password"] = wrong
    assert runs["apply text"].code in (0, 1)
    assert any(ln for ln in Path(tmp_path / "journal.jsonl").read_text().splitlines())
    texts = {f"{name} {part}": text for name, r in runs.items() for part, text in
             (("stdout", r.stdout), ("stderr", r.stderr))}  # fmt: skip
    assert "DEBUG subctl.api" in runs["plan json"].stderr  # -vv really logged requests
    texts["sandbox output"] = server_err
    for name, r in runs.items():
        assert "Traceback" not in r.stderr, (name, r.stderr[-2000:])
    for file in tmp_path.glob("*.json*"):
        texts[file.name] = file.read_text(encoding="utf-8")
    leaks = {name: found for name, text in texts.items() if (found := _leaks(text, issued))}
    assert not leaks, leaks


def _wrong_password_run(server: Server, paths: list[str], cwd: Path, wrong: str) -> Result:
    env = process_env(env_for(server) | {"SUBCTL_PASSWORD": wrong})
    proc = subprocess.run(
        [sys.executable, "-m", "controller", "-vv", "plan", *paths],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize(
    "url", ["http://example.com", "http://10.0.0.8:8080/api", "http://[2001:db8::1]/"]
)
def test_plain_http_to_a_remote_host_needs_an_explicit_opt_in(url: str) -> None:
    env = {"SUBCTL_USERNAME": USER, "SUBCTL_PASSWORD": PASSWORD, "SUBCTL_SUBSCRIPTION_KEY": KEY}
    with pytest.raises(ConfigError, match="refusing plain http://"):
        ApiSettings.from_env(url, environ=env)
    allowed = ApiSettings.from_env(url, environ=env | {"SUBCTL_ALLOW_INSECURE_HTTP": "1"})
    assert allowed.base_url.startswith("http://")
    # Only "1" opts in; anything else (a typo, "true") keeps the refusal.
    with pytest.raises(ConfigError):
        ApiSettings.from_env(url, environ=env | {"SUBCTL_ALLOW_INSECURE_HTTP": "true"})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8780", "http://localhost:1", "http://[::1]:2"])
def test_plain_http_to_loopback_is_fine(url: str) -> None:
    env = {"SUBCTL_USERNAME": USER, "SUBCTL_PASSWORD": PASSWORD, "SUBCTL_SUBSCRIPTION_KEY": KEY}
    assert ApiSettings.from_env(url, environ=env).base_url == url.rstrip("/")


def test_cli_refuses_plain_http_to_a_remote_host(tmp_path: Path) -> None:
    sc = make_scenario(tmp_path / "specs", 1, unmanaged=0)
    result = subctl_process(None, "plan", *sc.paths, "--api-url", "http://192.0.2.7", cwd=tmp_path)
    assert result.code == 1
    assert "refusing plain http:// to 192.0.2.7" in result.stderr
    assert "Traceback" not in result.stderr
