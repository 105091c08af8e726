"""The loopback sandbox fixture of the end-to-end tests, shared here."""

from tests.e2e.conftest import sandbox

__all__ = ["sandbox"]
