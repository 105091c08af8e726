"""Process-wide performance shims, applied once when the ``subctl`` command starts.

Called by the CLI's top-level group (controller/cli.py) before any command body runs;
library modules never change interpreter state as a side effect of being imported.
Per-run garbage-collector settings live in controller/gctune.py (a run, not the process).
"""

from __future__ import annotations

import importlib.util
import sys


def tune_process() -> None:
    """Apply the shims; idempotent, and each one changes nothing but speed."""
    # httpcore asks which async library runs by importing ``sniffio`` inside
    # ``current_async_library()``, several times per request. Neither anyio 4 nor httpx
    # needs sniffio any more, and when it is not installed every such import fails after
    # a full search of sys.path: 0.05-0.1 ms each, 0.1 s per hundred requests (profiled
    # for docs/benchmarks.md). A ``None`` in sys.modules makes that failure instant and
    # changes nothing else: httpcore then assumes asyncio, which is what subctl runs on.
    if importlib.util.find_spec("sniffio") is None:
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]
