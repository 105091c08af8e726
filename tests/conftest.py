"""Fixtures and markers shared by the whole suite (one place, not one copy per folder).

- ``anyio_backend``: async tests run on asyncio, the loop subctl itself runs on.
- ``slow``: tests that start real servers or processes, sleep on real time, or walk large
  data sets are marked here by where they live, so ``make test-fast`` (``-m "not slow"``)
  stays a quick edit-and-run loop; ``make test`` runs everything but the soak runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent

# Whole folders or modules that are slow by nature: real loopback servers, subprocesses,
# SIGKILLs, lock waits on real time, workflow scripts under node.
_SLOW_PLACES = (
    "e2e/",
    "reliability/",
    "gitops/",
    "sandbox/test_sandbox_server.py",
    "sandbox/test_sandbox_concurrency.py",
    "marketplace/test_loopback.py",
    "marketplace/test_deadline.py",
    "apply/test_lock.py",
    "apply/test_inflight.py",
    "spec/test_spec_cli.py",
    "notify/test_notify_e2e.py",
    "status/test_browser.py",
    "cli/",  # real processes on ptys, SIGINT, loopback servers
    "contract/",  # hypothesis-generated marketplaces
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = Path(str(item.path)).resolve().relative_to(_TESTS).as_posix()
        if any(where == place or where.startswith(place) for place in _SLOW_PLACES):
            item.add_marker(pytest.mark.slow)
