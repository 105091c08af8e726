"""Loopback sandbox servers for the status page tests (the e2e fixture, shared)."""

from tests.e2e.conftest import sandbox

__all__ = ["sandbox"]
