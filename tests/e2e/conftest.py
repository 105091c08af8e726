"""Fixtures for end-to-end tests: start loopback sandbox servers, stop them afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Server, start_server, stop_server

StartServer = Callable[..., Server]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StartServer]:
    """``sandbox(seed_dict, *serve_options, profile="full")`` starts a server; all stop at
    teardown. ``profile="minimal"`` serves only what the published API guarantees."""
    monkeypatch.chdir(tmp_path)  # journals and .subctl/ land in the test's folder
    started: list[Server] = []

    def start(seed: dict[str, Any], *extra: str, profile: str = "full") -> Server:
        folder = tmp_path / f"server{len(started)}"
        folder.mkdir()
        server = start_server(folder, seed, *extra, profile=profile)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)
