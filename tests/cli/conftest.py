"""The loopback sandbox fixture of the end-to-end tests, shared here."""

from tests.e2e.conftest import sandbox
from tests.e2e.harness import full_profile

__all__ = ["full_profile", "sandbox"]
