"""The e2e ``sandbox`` fixture (a real loopback sandbox server), shared with tests/gitops."""

from tests.e2e.conftest import sandbox
from tests.e2e.harness import full_profile

__all__ = ["full_profile", "sandbox"]
