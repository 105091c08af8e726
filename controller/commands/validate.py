"""``subctl validate``: check spec files; exit 0 valid, 1 invalid. No marketplace call."""

from __future__ import annotations

from typing import Literal

import click

from controller.errors import EXIT_ERROR, EXIT_OK
from controller.spec.loader import check_specs
from controller.spec.summary import render_json, render_text


def validate(paths: tuple[str, ...], fmt: Literal["text", "json"] = "text") -> int:
    report = check_specs(paths)
    if fmt == "json":
        click.echo(render_json(report))
    else:
        out = render_text(report)
        for line in out.stdout:
            click.echo(line)
        for line in out.stderr:
            click.echo(line, err=True)
    return EXIT_OK if report.valid else EXIT_ERROR
