"""Settings of one sandbox marketplace: credentials, limits, timing and faults.

Built by the CLI (``subctl sandbox serve``) or by ``embedded_transport`` and handed to
``create_app``. The secrets are kept out of ``repr`` so a logged config leaks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Profile = Literal["full", "minimal"]
PROFILES: tuple[Profile, ...] = ("full", "minimal")

# Fault kinds (controller/sandbox/faults.py). "commit-502" and "commit-drop" apply to
# writes only: the write is committed, then the answer is lost.
FAULT_500 = "500"
FAULT_503 = "503"
FAULT_429 = "429"
FAULT_DROP = "drop"
FAULT_COMMIT_502 = "commit-502"
FAULT_COMMIT_DROP = "commit-drop"
ALL_FAULT_KINDS = (FAULT_500, FAULT_503, FAULT_429, FAULT_DROP, FAULT_COMMIT_502, FAULT_COMMIT_DROP)
# The kinds DESIGN.md section 6 names; "commit-drop" is opt-in.
DEFAULT_FAULT_KINDS = (FAULT_500, FAULT_503, FAULT_429, FAULT_DROP, FAULT_COMMIT_502)

DEFAULT_USERNAME = "sandbox"
DEFAULT_PASSWORD = "sandbox"  # noqa: S105 - the documented sandbox default, not a secret
DEFAULT_SUBSCRIPTION_KEY = "sandbox-key"

# What a profile changes when the option is not given explicitly. "full" answers with
# everything the sandbox knows (kind, and what subctl's own tests were written against);
# "minimal" only what the published spec guarantees (docs/sandbox.md, issue 12).
PROFILE_DEFAULTS: dict[Profile, dict[str, Any]] = {
    "full": {"token_ttl": 3600, "page_limit_max": 100, "renewal_delay": 0.0},
    "minimal": {"token_ttl": 1500, "page_limit_max": 25, "renewal_delay": 20.0},
}


@dataclass(frozen=True)
class SandboxConfig:
    username: str = field(default=DEFAULT_USERNAME, repr=False)
    password: str = field(default=DEFAULT_PASSWORD, repr=False)
    subscription_key: str = field(default=DEFAULT_SUBSCRIPTION_KEY, repr=False)
    token_ttl: int = 3600
    page_limit_max: int = 100
    vendor_delay: float = 30.0
    latency_ms: int = 0
    fault_rate: float = 0.0
    fault_seed: int | None = None
    fault_kinds: tuple[str, ...] = DEFAULT_FAULT_KINDS
    # "METHOD /path" glob patterns (fnmatch), e.g. "POST /orders" or "PATCH /orders/*";
    # empty means every request may fault.
    fault_match: tuple[str, ...] = ()
    retry_after_seconds: int = 1
    profile: Profile = "full"
    # Seconds a renewal order stays open (submitted, then processing) before it completes.
    renewal_delay: float = 0.0

    @classmethod
    def for_profile(cls, profile: str = "full", **options: Any) -> SandboxConfig:
        """A config with ``profile``'s defaults for the options not given (or given None)."""
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
        given = {k: v for k, v in options.items() if v is not None}
        return cls(profile=profile, **{**PROFILE_DEFAULTS[profile], **given})

    @property
    def minimal(self) -> bool:
        return self.profile == "minimal"

    def __post_init__(self) -> None:
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        unknown = [k for k in self.fault_kinds if k not in ALL_FAULT_KINDS]
        if unknown:
            choices = ", ".join(ALL_FAULT_KINDS)
            raise ValueError(f"unknown fault kind(s) {', '.join(unknown)}; choose from {choices}")
        if self.token_ttl < 1:
            raise ValueError("token ttl must be at least 1 second")
        if self.page_limit_max < 1:
            raise ValueError("page limit max must be at least 1")
        if self.vendor_delay < 0 or self.latency_ms < 0 or self.renewal_delay < 0:
            raise ValueError("vendor delay, renewal delay and latency cannot be negative")
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; choose from {', '.join(PROFILES)}")
