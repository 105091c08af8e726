"""The e2e ``sandbox`` fixture (a real loopback sandbox server), shared with tests/gitops."""

from tests.e2e.conftest import sandbox

__all__ = ["sandbox"]
