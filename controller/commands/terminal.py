"""What plan and apply show on the terminal: the redacted output, the plan, the
confirmation question, and apply's progress bar with its completion lines.

Used by controller/commands/plan.py and apply.py; the renderings themselves are
controller/report/ (pure).
"""

from __future__ import annotations

import signal
import sys
import threading
from dataclasses import dataclass, field

import click

from controller.commands.options import Output
from controller.errors import GuardError, Interrupted
from controller.marketplace.models import Order
from controller.plan.model import Plan
from controller.progress import StepProgress
from controller.redact import redact
from controller.report.question import confirm_question
from controller.report.render import render_plan
from controller.safetext import scrub


def echo_err(message: str) -> None:
    click.echo(redact(message), err=True)


def echo(text: str) -> None:
    # Every output goes through the redactor (controller/redact.py): live text may echo a
    # secret (a server quoting the key in a name), and the output must not show it.
    click.echo(redact(text), nl=False)


def show_plan(plan: Plan, output: Output) -> str:
    return render_plan(plan, output.fmt, rich=output.rich, color=output.color, width=output.width())


def confirm_on_terminal(plan: Plan, output: Output) -> bool:
    if not sys.stdin.isatty():
        raise GuardError(
            "refusing to apply without --yes: no terminal to confirm on; nothing was written",
            "no-confirmation",
        )
    if output.fmt != "text":  # the plan was not shown yet
        echo_err(render_plan(plan, "text", rich=False))
    # The prompt blocks the event loop, so the loop's Ctrl-C handling cannot run:
    # Python's default handler makes Ctrl-C at the prompt abort at once (exit 130).
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler) if main else None
    try:
        return click.confirm(confirm_question(plan), default=False, err=True, prompt_suffix=" ")
    except click.exceptions.Abort:  # Ctrl-C or end of input at the question
        raise Interrupted("interrupted at the confirmation; nothing was written") from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


@dataclass
class ApplyView:
    """What an apply shows while it runs: the plan, the question, then the bar (only once
    the question is answered) with completion lines printed above it."""

    output: Output
    yes: bool
    progress: StepProgress
    shown: list[Plan] = field(default_factory=list)

    def on_plan(self, plan: Plan) -> None:
        self.shown.append(plan)
        if self.output.fmt == "text":
            echo(show_plan(plan, self.output))

    def confirm(self, plan: Plan) -> bool:
        answer = self.yes or confirm_on_terminal(plan, self.output)
        if answer:
            self.progress.start(len(plan.steps))
        return answer

    def on_order_done(self, order: Order) -> None:
        if not self.output.quiet:
            # Live text: an order number may carry terminal escapes (controller/safetext.py).
            self.progress.say(
                redact(
                    scrub(
                        f"order {order.display_name} ({order.type.value}, "
                        f"subscription {order.subscriptionId}) is now {order.status_text}"
                    )
                )
            )
