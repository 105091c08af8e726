"""``subctl notify``: post a run's outcome, read from the files it left, to webhooks and
chat services. Exit 0 when every URL got it, 1 otherwise.

The document is built by controller/notify/run.py (``build_document``, shared with
``apply --notify``) and delivered by controller/notify/send.py.
"""

from __future__ import annotations

import json

from controller.commands.terminal import echo, echo_err
from controller.errors import EXIT_ERROR, EXIT_OK, ConfigError
from controller.notify.run import build_document, report_failures
from controller.notify.send import ENV_NOTIFY_URLS, urls_from_env
from controller.notify.sources import RunFiles


def notify(urls: tuple[str, ...], files: RunFiles, *, warn_days: int, print_doc: bool) -> int:
    targets = list(urls) or urls_from_env()
    if not targets and not print_doc:
        raise ConfigError(f"no notification URL: give one or set {ENV_NOTIFY_URLS}")
    doc = build_document(files, warn_days=warn_days)
    if print_doc:
        echo(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    failed = report_failures(targets, doc, echo_err)
    return EXIT_ERROR if failed else EXIT_OK
