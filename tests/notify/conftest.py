"""Loopback sandbox servers for the notification tests (the e2e fixture, shared)."""

from tests.e2e.conftest import sandbox
from tests.e2e.harness import full_profile

__all__ = ["full_profile", "sandbox"]
