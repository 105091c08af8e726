"""Fixtures for the reliability tests: a fast in-process client, a served broken API,
figures for the docs."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.marketplace import retry
from controller.marketplace.settings import ApiSettings
from tests.e2e.harness import env_for
from tests.reliability.broken_api import BrokenApi, serve

Figures = Callable[..., None]


@pytest.fixture(scope="module")
def broken() -> Iterator[tuple[BrokenApi, str]]:
    """A served BrokenApi (one per test module) and its URL: each test picks its mode."""
    api = BrokenApi()
    with serve(api) as url:
        yield api, url


def cli_against(
    broken: tuple[BrokenApi, str], mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[BrokenApi, dict[str, str]]:
    """A CLI test against the served BrokenApi answering in ``mode``, run from ``tmp_path``:
    the API (to inspect its requests and writes) and the environment for ``CliRunner``."""
    api, url = broken
    api.mode = mode
    monkeypatch.chdir(tmp_path)
    return api, env_for(None) | {"SUBCTL_API_URL": url}


@pytest.fixture
def fast_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """In-process subctl without back-off waits or the client-wide rate limit.

    The fault tests check correctness under hundreds of injected faults; real back-off
    (and 20 requests/s) would only make them slow. Retry counts and the at-most-once
    rules stay exactly as shipped.
    """
    monkeypatch.chdir(tmp_path)
    original = ApiSettings.from_env

    def from_env(*args: Any, **kwargs: Any) -> ApiSettings:
        return dataclasses.replace(original(*args, **kwargs), max_rate=10_000.0)

    monkeypatch.setattr(ApiSettings, "from_env", staticmethod(from_env))
    retry.set_testing(True)
    yield
    retry.set_testing(False)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """``figures(**values)``: print a test's figures; append them to a file if asked.

    ``SUBCTL_RELIABILITY_FIGURES=path`` collects them as JSON lines for
    docs/reliability.md.
    """

    def record(**values: Any) -> None:
        line = json.dumps({"test": request.node.name, **values}, sort_keys=True)
        print(line)
        target = os.environ.get("SUBCTL_RELIABILITY_FIGURES")
        if target:
            # Relative to where pytest started: some tests chdir into their tmp_path.
            path = request.config.invocation_params.dir / target
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    return record
