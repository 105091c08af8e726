"""Ctrl-C during ``subctl apply``: the first stops cleanly, a second aborts at once.

Used by ``apply`` (controller/reconcile.py) and the executor. While the plan is being
made, the first Ctrl-C cancels the run (nothing was written yet). Once writing has
begun it only sets ``requested``: the executor starts no new write (each write checks
it before opening its journal entry), writes in flight finish and are journalled, the
``--wait`` phase is cut short, and the run ends with its summary and exit 130. The
handler removes itself on the first Ctrl-C, so a second one raises KeyboardInterrupt
at once; a write then left in flight is in the journal's in-flight record
(controller/apply/inflight.py) and the next run recovers it.

asyncio's own SIGINT handling cancels the main task on the first Ctrl-C, which anyio
may absorb as a cancelled scope: the "first Ctrl-C is ignored" of issue 14.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import anyio

STOPPING = (
    "interrupt: no new write starts; the writes in flight finish and are journalled "
    "(Ctrl-C again to abort at once)"
)


class Interrupt:
    """The first Ctrl-C of one apply, and what it cancels."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self.requested = False
        self.writing = False
        self._say = say
        self._scopes: list[anyio.CancelScope] = []

    def stop_requested(self) -> bool:
        return self.requested

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Handle SIGINT on the running event loop for the duration (main thread only)."""
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, self._on_signal, loop)
        except (NotImplementedError, RuntimeError, ValueError):
            yield  # not the main thread, or no signals here: Ctrl-C keeps its default
            return
        try:
            yield
        finally:
            with suppress(Exception):
                loop.remove_signal_handler(signal.SIGINT)

    @contextmanager
    def cancels(self) -> Iterator[None]:
        """A phase that a Ctrl-C cuts short (planning, waiting for the vendor)."""
        with anyio.CancelScope() as scope:
            self._scopes.append(scope)
            if self.requested:
                scope.cancel()
            try:
                yield
            finally:
                self._scopes.remove(scope)

    def request(self) -> None:
        """What the first Ctrl-C does (also called by tests)."""
        if self.requested:
            return
        self.requested = True
        for scope in self._scopes:
            scope.cancel()
        if self.writing and self._say is not None:
            self._say(STOPPING)

    def _on_signal(self, loop: asyncio.AbstractEventLoop) -> None:
        # Gone after the first: a second Ctrl-C raises KeyboardInterrupt at once.
        with suppress(Exception):
            loop.remove_signal_handler(signal.SIGINT)
        self.request()
