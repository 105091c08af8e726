"""``subctl show ID``: one subscription, read-only; the body is controller/show.py."""

from __future__ import annotations

from typing import Literal

import click

from controller.commands.options import Connection
from controller.show import run_show


def show(
    subscription_id: str,
    paths: tuple[str, ...],
    connection: Connection,
    *,
    fmt: Literal["text", "json"] = "text",
    color: bool = True,
) -> int:
    return run_show(
        subscription_id,
        paths,
        connection.settings(),
        fmt=fmt,
        color=color,
        echo=lambda text: click.echo(text, nl=False),
        echo_err=lambda text: click.echo(text, err=True),
    )
