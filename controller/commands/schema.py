"""``subctl schema``: print the JSON Schema of a spec document (SubscriptionSet)."""

from __future__ import annotations

import click

from controller.errors import EXIT_OK
from controller.spec.schema import schema_json


def schema() -> int:
    click.echo(schema_json(), nl=False)
    return EXIT_OK
