"""Connection settings for the marketplace client: where to call, as whom, how politely.

First step of the client pipeline: the CLI calls ``ApiSettings.from_env`` once, and the
result (frozen) configures auth, limits, retries and paging. Secrets are wrapped in
``Secret`` so that no repr, str, f-string or log line of settings can show them.

Target choice (DESIGN.md sections 6 and 7): no URL, or the URL ``sandbox``, selects the
embedded sandbox (``embedded=True``) with its default credentials; in CI that choice must
be explicit. A real URL must be https, or plain http to a loopback host, unless
``SUBCTL_ALLOW_INSECURE_HTTP=1``.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from controller.errors import ConfigError
from controller.redact import remember_secret

ENV_API_URL = "SUBCTL_API_URL"
ENV_USERNAME = "SUBCTL_USERNAME"
ENV_PASSWORD = "SUBCTL_PASSWORD"  # noqa: S105 - the name of a variable, not a password
ENV_SUBSCRIPTION_KEY = "SUBCTL_SUBSCRIPTION_KEY"
ENV_MARKETPLACE = "SUBCTL_MARKETPLACE"
ENV_ALLOW_INSECURE = "SUBCTL_ALLOW_INSECURE_HTTP"
ENV_MAX_RATE = "SUBCTL_MAX_RATE"
ENV_RETRY_BUDGET = "SUBCTL_RETRY_BUDGET"

# Seconds one call may spend retrying (waits included). A marketplace answering 429
# with Retry-After up to 120 s must be obeyed at least once within it.
DEFAULT_RETRY_BUDGET = 180.0
# The largest pagination.total believed; above it a listing stops with an error.
DEFAULT_MAX_LIST_TOTAL = 1_000_000

# Requests per second, client-wide, and how many may go at once after a quiet spell.
# Reasoning in docs/client.md ("Limits"): at a real marketplace's latency the 8 requests
# in flight are the binding limit; this cap only stops a fast API being hammered (and
# must not undercut those 8 at 50 ms a call), and a marketplace that wants less says so
# with 429 + Retry-After, which the retry policy obeys.
DEFAULT_MAX_RATE = 200.0

SANDBOX_TARGET = "sandbox"
# Never resolved: the embedded sandbox is reached through an in-process transport.
EMBEDDED_BASE_URL = "http://embedded-sandbox.invalid"
SANDBOX_USERNAME = "sandbox"
SANDBOX_PASSWORD = "sandbox"  # noqa: S105 - the sandbox's documented default
SANDBOX_SUBSCRIPTION_KEY = "sandbox-key"

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class Secret:
    """A string that never shows itself: repr and str are ``***``; ``reveal()`` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling a secret would write it to wherever the pickle goes (plan files, caches).
        raise TypeError("Secret values cannot be pickled")


@dataclass(frozen=True)
class ApiSettings:
    """Everything the client needs to reach one marketplace; immutable once built."""

    base_url: str
    username: str
    password: Secret
    subscription_key: Secret
    marketplace: str = "uk"
    embedded: bool = False
    page_size: int = 100
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # between two reads; a slow drip never trips it...
    request_timeout: float = 120.0  # ...so this bounds one whole exchange, body included
    max_concurrency: int = 8
    max_rate: float = DEFAULT_MAX_RATE  # requests per second, client-wide (SUBCTL_MAX_RATE)
    rate_burst: float | None = None  # requests that may go at once; None: a second's worth
    retry_attempts: int = 5
    retry_total_seconds: float = DEFAULT_RETRY_BUDGET  # SUBCTL_RETRY_BUDGET; time, waits included
    retry_initial_wait: float = 0.5
    retry_max_wait: float = 10.0
    token_refresh_margin: float = 60.0  # seconds before expiry a token is replaced
    max_body_bytes: int = 10 * 1024 * 1024
    order_post_attempts: int = 3  # POST /orders sent at most this often per placement
    max_list_total: int = DEFAULT_MAX_LIST_TOTAL  # a larger pagination.total is implausible

    def __post_init__(self) -> None:
        if self.page_size < 1:
            raise ConfigError(f"page size must be at least 1, not {self.page_size}")
        if self.max_concurrency < 1:
            raise ConfigError(f"max concurrency must be at least 1, not {self.max_concurrency}")
        if not self.max_rate > 0 or self.max_rate == float("inf"):
            raise ConfigError(f"max rate must be a positive number, not {self.max_rate}")
        if self.rate_burst is not None and self.rate_burst < 1:
            raise ConfigError(f"rate burst must be at least 1, not {self.rate_burst}")
        if min(self.connect_timeout, self.read_timeout, self.request_timeout) <= 0:
            raise ConfigError("timeouts must be positive")
        if self.retry_attempts < 1 or self.order_post_attempts < 1:
            raise ConfigError("attempt counts must be at least 1")
        if not 0 <= self.retry_total_seconds < float("inf"):
            raise ConfigError(
                f"retry budget must be a number of seconds, not {self.retry_total_seconds}"
            )
        if self.max_list_total < 1:
            raise ConfigError(f"max list total must be at least 1, not {self.max_list_total}")

    @property
    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(self.read_timeout, connect=self.connect_timeout)

    @classmethod
    def from_env(
        cls,
        api_url_option: str | None,
        *,
        marketplace_option: str | None = None,
        environ: Mapping[str, str] | None = None,
        refuse_implicit_sandbox_in_ci: bool = True,
    ) -> ApiSettings:
        """Settings from ``--api-url`` (wins) or the ``SUBCTL_*`` environment."""
        env = os.environ if environ is None else environ
        max_rate = _max_rate(env) if env.get(ENV_MAX_RATE, "").strip() else DEFAULT_MAX_RATE
        budget = _retry_budget(env)
        url = (api_url_option or env.get(ENV_API_URL) or "").strip()
        marketplace = (marketplace_option or env.get(ENV_MARKETPLACE) or "uk").strip().lower()
        if not url:
            if refuse_implicit_sandbox_in_ci and env.get("CI"):
                raise ConfigError(
                    f"no marketplace chosen and CI is set: set {ENV_API_URL} to the API URL, "
                    f"or {ENV_API_URL}={SANDBOX_TARGET} for the local sandbox"
                )
            url = SANDBOX_TARGET
        for name in (ENV_USERNAME, ENV_PASSWORD, ENV_SUBSCRIPTION_KEY):
            check_credential(name, env.get(name) or "")
        if url == SANDBOX_TARGET:
            return remember_secrets(
                cls(
                    base_url=EMBEDDED_BASE_URL,
                    username=env.get(ENV_USERNAME) or SANDBOX_USERNAME,
                    password=Secret(env.get(ENV_PASSWORD) or SANDBOX_PASSWORD),
                    subscription_key=Secret(
                        env.get(ENV_SUBSCRIPTION_KEY) or SANDBOX_SUBSCRIPTION_KEY
                    ),
                    marketplace=marketplace,
                    embedded=True,
                    max_rate=max_rate,
                    retry_total_seconds=budget,
                )
            )
        base_url = check_base_url(url, allow_insecure=env.get(ENV_ALLOW_INSECURE) == "1")
        missing = [
            name for name in (ENV_USERNAME, ENV_PASSWORD, ENV_SUBSCRIPTION_KEY) if not env.get(name)
        ]
        if missing:
            raise ConfigError(f"{', '.join(missing)} must be set to call {base_url}")
        return remember_secrets(
            cls(
                base_url=base_url,
                username=env[ENV_USERNAME],
                password=Secret(env[ENV_PASSWORD]),
                subscription_key=Secret(env[ENV_SUBSCRIPTION_KEY]),
                marketplace=marketplace,
                max_rate=max_rate,
                retry_total_seconds=budget,
            )
        )


def check_credential(name: str, value: str) -> None:
    """Refuse a credential that cannot be sent as it is, naming the variable only.

    A trailing newline (``$(cat file)``, ``echo``) would otherwise reach an HTTP header,
    where httpx refuses it with an error that quotes the value; a non-ASCII character
    cannot go in a header at all (it ended as "internal error: ExceptionGroup").
    """
    if "\n" in value or "\r" in value:
        raise ConfigError(
            f"{name} contains a line break (CR or LF); remove it (a trailing newline often "
            "comes from a file or from echo)"
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ConfigError(f"{name} contains a control character; remove it")
    if not value.isascii():
        raise ConfigError(
            f"{name} contains a non-ASCII character; marketplace credentials are ASCII "
            "(check how the value was copied)"
        )


def remember_secrets(settings: ApiSettings) -> ApiSettings:
    """Register the settings' secret values with the redactor (controller/redact.py)."""
    password = settings.password.reveal()
    remember_secret(password)
    remember_secret(settings.subscription_key.reveal())
    pair = f"{settings.username}:{password}".encode()
    remember_secret(base64.b64encode(pair).decode("ascii"))
    return settings


def _retry_budget(env: Mapping[str, str]) -> float:
    text = env.get(ENV_RETRY_BUDGET, "").strip()
    if not text:
        return DEFAULT_RETRY_BUDGET
    try:
        value = float(text.removesuffix("s"))
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{ENV_RETRY_BUDGET} must be a number of seconds, not {text[:20]!r}")
    return value


def _max_rate(env: Mapping[str, str]) -> float:
    text = env[ENV_MAX_RATE].strip()
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(
            f"{ENV_MAX_RATE} must be a number of requests per second, not {text[:20]!r}"
        ) from None
    if not 0 < value < float("inf"):
        raise ConfigError(f"{ENV_MAX_RATE} must be positive, not {text[:20]!r}")
    return value


def check_base_url(url: str, *, allow_insecure: bool = False) -> str:
    """Validate an API base URL and return it without a trailing slash."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ConfigError("API URL is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError("API URL must start with https:// (or http:// for a local server)")
    if parsed.userinfo:
        # Credentials in a URL end up in logs and shell history; they belong in SUBCTL_*.
        raise ConfigError(
            f"API URL must not contain credentials; use {ENV_USERNAME}/{ENV_PASSWORD}"
        )
    if parsed.query or parsed.fragment:
        raise ConfigError("API URL must not have a query or fragment")
    if parsed.scheme == "http" and not allow_insecure and not is_loopback(parsed.host):
        raise ConfigError(
            f"refusing plain http:// to {parsed.host}: credentials would travel unencrypted; "
            f"use https:// (or set {ENV_ALLOW_INSECURE}=1 for a trusted network)"
        )
    return str(parsed).rstrip("/")


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
