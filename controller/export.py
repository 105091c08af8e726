"""``subctl export``: write specs that describe live subscriptions exactly (adoption).

Runs the pipeline backwards: marketplace -> live state -> spec YAML. Reads every
subscription (of one customer with ``--customer``) and the open cancellation orders
through ``controller.target.open_client`` (so it reaches the same targets as plan and
apply), lets the pure ``controller/report/specfile.py`` decide and render, and writes
one file per customer, or one YAML stream to stdout. It never writes to the marketplace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import anyio

from controller.errors import ConfigError
from controller.ids import is_digits
from controller.marketplace.client import MarketplaceClient
from controller.marketplace.models import (
    InvalidItem,
    Order,
    OrderStatus,
    OrderType,
    Subscription,
)
from controller.marketplace.settings import ApiSettings
from controller.redact import redact
from controller.report.specfile import Exported, build_export, render_set, render_stream
from controller.target import open_client

# Only open orders change what a subscription becomes (an open cancellation).
_OPEN = (OrderStatus.SUBMITTED, OrderStatus.PROCESSING)


async def read_live(
    client: MarketplaceClient, customer: str | None, notes: list[str] | None = None
) -> tuple[list[Subscription], dict[str, list[Order]]]:
    """Subscriptions (of ``customer`` if given) and their open cancellation orders.

    A listed item that does not fit the live models is skipped with a line in ``notes``
    (one odd item never fails the export); an open cancellation listed without its
    subscriptionId (1.15 list items) is read whole to learn whose it is."""
    subs: list[Subscription] = []
    orders: dict[str, list[Order]] = {}
    invalid: list[InvalidItem] = []
    incomplete: list[Order] = []

    async def read_subscriptions() -> None:
        subs.extend(
            [s async for s in client.iter_subscriptions(customer_id=customer, invalid=invalid)]
        )

    async def read_orders(status: OrderStatus) -> None:
        listed = client.iter_orders(customer_id=customer, status=status.value, invalid=invalid)
        async for order in listed:
            if order.type is OrderType.CANCELLATION and order.subscriptionId:
                orders.setdefault(order.subscriptionId, []).append(order)
            elif order.type is OrderType.CANCELLATION:
                incomplete.append(order)

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_subscriptions)
        for status in _OPEN:
            tg.start_soon(read_orders, status)
    for order in await client.complete(incomplete):
        if order.subscriptionId:
            orders.setdefault(order.subscriptionId, []).append(order)
    if notes is not None:
        notes.extend(
            f"skipped {item.kind} {item.id or '(no id)'}: live value invalid: {item.reason}"
            for item in invalid
        )
    return subs, orders


def export_live(
    settings: ApiSettings, customer: str | None, announce: Callable[[str], None]
) -> Exported:
    if customer is not None and not is_digits(customer):
        raise ConfigError(f"--customer must be a customer id (digits), got {customer!r}")

    async def go() -> Exported:
        notes: list[str] = []
        async with open_client(settings, announce=announce) as client:
            subs, orders = await read_live(client, customer, notes)
        exported = build_export(subs, orders)
        return replace(exported, notes=(*notes, *exported.notes))

    return anyio.run(go)


def write_files(exported: Exported, out: Path, *, force: bool) -> list[Path]:
    """One ``customer-<id>.yaml`` per set under ``out``; refuses to overwrite unless forced.

    Every target is checked before the first is written, so a refusal writes nothing.
    """
    targets = [(out / cset.filename, cset) for cset in exported.sets]
    if not force:
        existing = [str(path) for path, _ in targets if path.exists()]
        if existing:
            shown = ", ".join(existing[:5]) + (" ..." if len(existing) > 5 else "")
            raise ConfigError(
                f"refusing to overwrite {len(existing)} existing file(s): {shown} "
                "(use --force, or choose another --out)"
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        for path, cset in targets:
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(redact(render_set(cset)), encoding="utf-8")
            tmp.replace(path)
    except OSError as err:  # the user's --out: theirs to fix, not an internal error
        raise ConfigError(f"{out}: cannot write: {err.strerror or err}") from None
    return [path for path, _ in targets]


def run_export(
    settings: ApiSettings,
    *,
    customer: str | None,
    out: Path | None,
    force: bool,
    echo: Callable[[str], None],
    echo_err: Callable[[str], None],
) -> int:
    """The body of ``subctl export``: stdout gets YAML only; notes go to stderr.

    The files it writes go through the redactor (controller/redact.py); ``echo`` and
    ``echo_err`` are the command line's redacting ones (controller/commands/terminal.py).
    """
    exported = export_live(settings, customer, echo_err)
    for note in exported.notes:
        echo_err(f"note: {note}")
    if out is None:
        if exported.sets:
            echo(render_stream(exported.sets))
    else:
        written = write_files(exported, out, force=force)
        echo_err(f"wrote {len(written)} file(s) to {out}")
    echo_err(
        f"exported {exported.count} subscription(s) of {len(exported.sets)} customer(s)"
        + (
            ""
            if exported.sets
            else f" (none found{' for customer ' + customer if customer else ''})"
        )
    )
    return 0
