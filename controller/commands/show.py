"""``subctl show ID``: one subscription, read-only; the body is controller/show.py."""

from __future__ import annotations

from typing import Literal

from controller.commands.options import Connection, Output
from controller.commands.terminal import echo, echo_err
from controller.show import run_show


def show(
    subscription_id: str,
    paths: tuple[str, ...],
    connection: Connection,
    *,
    fmt: Literal["text", "json"] = "text",
    color: bool = True,
) -> int:
    output = Output(fmt=fmt, color=color)
    return run_show(
        subscription_id,
        paths,
        connection.settings(),
        fmt=fmt,
        rich=output.rich,
        width=output.width(),
        color=color,
        echo=echo,
        echo_err=echo_err,
    )
