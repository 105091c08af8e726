"""Task groups that fail with our error, not an ``ExceptionGroup`` around it.

anyio 4 wraps whatever a child task raises in an ``ExceptionGroup``. The CLI maps
``ControllerError`` to a one-line message and its exit code, so a wrapped ApiError
(one failed listing page) would surface as "internal error: ExceptionGroup". The
first ``ControllerError`` in the group is raised instead; the others are siblings
cancelled or failing for the same reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from anyio.abc import TaskGroup

from controller.errors import ControllerError


def first_controller_error(group: BaseExceptionGroup[BaseException]) -> ControllerError | None:
    for exc in group.exceptions:
        if isinstance(exc, ControllerError):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            inner = first_controller_error(exc)
            if inner is not None:
                return inner
    return None


@asynccontextmanager
async def task_group() -> AsyncIterator[TaskGroup]:
    """``anyio.create_task_group()``, re-raising the first ControllerError unwrapped."""
    try:
        async with anyio.create_task_group() as tg:
            yield tg
    except BaseExceptionGroup as group:
        mine = first_controller_error(group)
        if mine is None:
            raise
        raise mine from None
