"""``subctl export``: specs describing live subscriptions (adoption); the body is
controller/export.py."""

from __future__ import annotations

from pathlib import Path

from controller.commands.options import Connection
from controller.commands.terminal import echo, echo_err
from controller.export import run_export


def export(connection: Connection, *, customer: str | None, out: Path | None, force: bool) -> int:
    return run_export(
        connection.settings(),
        customer=customer,
        out=out,
        force=force,
        echo=echo,
        echo_err=echo_err,
    )
