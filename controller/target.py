"""Choosing and opening the marketplace a run talks to (DESIGN.md sections 6 and 7).

``--api-url`` / ``SUBCTL_API_URL`` names a real marketplace (or ``sandbox`` for the
embedded one). With neither, the embedded sandbox in ``.subctl/sandbox.db`` is used
and a banner says so on every run; under ``CI`` that implicit choice is refused
(``ApiSettings.from_env``). The embedded sandbox is imported only here, lazily, so
plan and apply never depend on it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from controller.marketplace.client import MarketplaceClient, make_http_client
from controller.marketplace.settings import ApiSettings

EMBEDDED_DB = Path(".subctl") / "sandbox.db"
# Short enough that `make demo` can watch a cancellation complete with --wait.
EMBEDDED_VENDOR_DELAY = 5.0

BANNER = (
    "subctl: using the embedded sandbox marketplace ({db}), not a real marketplace. "
    "Set SUBCTL_API_URL to choose a target."
)


def lock_target(settings: ApiSettings) -> str:
    """The target as one string for the apply lock: the same marketplace gives the same
    string from any folder (scheme and host lower-cased, default port made explicit);
    the embedded sandbox is its database file, resolved."""
    if settings.embedded:
        return f"embedded-sandbox:{EMBEDDED_DB.resolve()}"
    url = httpx.URL(settings.base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    return f"{url.scheme.lower()}://{url.host.lower()}:{port}{url.path.rstrip('/')}"


def describe(settings: ApiSettings) -> str:
    """The target as shown in plans and logs: never credentials."""
    return f"embedded sandbox ({EMBEDDED_DB})" if settings.embedded else settings.base_url


@asynccontextmanager
async def open_client(
    settings: ApiSettings, *, announce: Callable[[str], None] | None = None
) -> AsyncIterator[MarketplaceClient]:
    if settings.embedded:
        from controller.sandbox.embedded import embedded_transport  # noqa: PLC0415 - lazy

        if announce is not None:
            announce(BANNER.format(db=EMBEDDED_DB))
        transport = embedded_transport(
            EMBEDDED_DB,
            vendor_delay=EMBEDDED_VENDOR_DELAY,
            # The embedded marketplace accepts whatever credentials this run carries.
            username=settings.username,
            password=settings.password.reveal(),
            subscription_key=settings.subscription_key.reveal(),
        )
        http = httpx.AsyncClient(transport=transport, timeout=settings.timeout)
    else:
        http = make_http_client(settings)
    async with http:
        yield MarketplaceClient(http, settings)
