"""``subctl notify``: the click command; its body is controller/notify/run.py.

Kept apart so that registering it in controller/cli.py imports only click (the body
imports httpx, the models, and apprise when a chat URL is used).
"""

from __future__ import annotations

from pathlib import Path

import click

from controller.errorhandler import run_body

DEFAULT_WARN_DAYS = 14


@click.command(name="notify")
@click.argument("urls", nargs=-1)
@click.option(
    "--result",
    "result_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="apply (or plan) --format json output; the most detailed source.",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The --summary file of the same run (guard refusals; used alone when no result).",
)
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The apply's journal, to count the renewal orders it placed (money spent).",
)
@click.option(
    "--warn-days",
    type=click.IntRange(min=0),
    default=DEFAULT_WARN_DAYS,
    show_default=True,
    help="List active subscriptions renewing or expiring within N days.",
)
@click.option("--print", "print_doc", is_flag=True, help="Also print the JSON document on stdout.")
def notify_command(
    urls: tuple[str, ...],
    result_path: Path | None,
    summary_path: Path | None,
    journal_path: Path | None,
    warn_days: int,
    print_doc: bool,
) -> None:
    """Post a run's outcome to webhooks, Slack, Teams (URLs, or SUBCTL_NOTIFY_URLS).

    https:// URLs receive subctl's JSON document; slack://, workflows:// (Teams),
    json:// and other apprise URLs receive a short message. Exit 0 all sent, 1 otherwise.
    """
    from controller.notify.run import run_notify  # noqa: PLC0415 - keeps other commands fast

    run_body(
        lambda: run_notify(
            urls,
            result_path=result_path,
            summary_path=summary_path,
            journal_path=journal_path,
            warn_days=warn_days,
            echo=click.echo,
            echo_err=lambda m: click.echo(m, err=True),
            print_doc=print_doc,
        )
    )
