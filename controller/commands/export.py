"""``subctl export``: specs describing live subscriptions (adoption); the body is
controller/export.py."""

from __future__ import annotations

from pathlib import Path

import click

from controller.commands.options import Connection
from controller.export import run_export


def export(connection: Connection, *, customer: str | None, out: Path | None, force: bool) -> int:
    return run_export(
        connection.settings(),
        customer=customer,
        out=out,
        force=force,
        echo=lambda text: click.echo(text, nl=False),
        echo_err=lambda text: click.echo(text, err=True),
    )
