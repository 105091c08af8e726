"""Fixtures for end-to-end tests: start loopback sandbox servers, stop them afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import Server, start_server, stop_server

StartServer = Callable[..., Server]


@pytest.fixture(params=["full", "minimal"])
def profile(request: pytest.FixtureRequest) -> str:
    """Every end-to-end test runs against both sandbox profiles (issue 12): ``full``, and
    ``minimal``, which answers only what the published API guarantees (order list items
    without subscriptionId and attributes, open renewals, short tokens and pages, naive
    date-times). A test that checks a full-only behaviour says so with ``full_only``."""
    if request.param == "minimal":
        reason = request.node.get_closest_marker("full_only")
        if reason is not None:
            pytest.skip(f"full profile only: {reason.kwargs.get('reason', '')}")
    return str(request.param)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str) -> Iterator[StartServer]:
    """``sandbox(seed_dict, *serve_options)`` starts a server of this test's profile; all
    stop at teardown."""
    monkeypatch.chdir(tmp_path)  # journals and .subctl/ land in the test's folder
    started: list[Server] = []
    default_profile = profile

    def start(seed: dict[str, Any], *extra: str, profile: str = default_profile) -> Server:
        folder = tmp_path / f"server{len(started)}"
        folder.mkdir()
        if profile == "minimal" and "--renewal-delay" not in extra:
            # The shared tests check what one apply achieves; renewals that stay open
            # for a while (minimal's default) take several runs, which
            # test_open_renewals_converge_over_runs checks on its own.
            extra = (*extra, "--renewal-delay", "0")
        server = start_server(folder, seed, *extra, profile=profile)
        started.append(server)
        return server

    yield start
    for server in started:
        stop_server(server)
