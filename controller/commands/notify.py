"""``subctl notify``: post a run's outcome (the files it left) to webhooks and chat
services; the body is controller/notify/run.py. Exit 0 all sent, 1 otherwise."""

from __future__ import annotations

from pathlib import Path

import click

from controller.notify.run import run_notify


def notify(
    urls: tuple[str, ...],
    *,
    result_path: Path | None,
    summary_path: Path | None,
    journal_path: Path | None,
    warn_days: int,
    print_doc: bool,
) -> int:
    return run_notify(
        urls,
        result_path=result_path,
        summary_path=summary_path,
        journal_path=journal_path,
        warn_days=warn_days,
        echo=click.echo,
        echo_err=lambda message: click.echo(message, err=True),
        print_doc=print_doc,
    )
