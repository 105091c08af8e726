"""What a plan says, as rows: the one place that decides content for every rendering.

Sits between the Plan (``controller/plan/model.py``) and the renderers: ``text.py``
and ``markdown.py`` only decide presentation and escaping, so the terminal and the
pull-request comment can never disagree on what a plan contains. The rows of an
apply result are ``applysections.py``'s, built from the same ``Section``. Cells are raw
strings here (user text unescaped); each renderer makes them safe for its medium.
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.plan.model import Action, Issue, Plan, Step, SubscriptionPlan, Totals

NO_CHANGES = "No changes. Live state matches the specs."
NO_CHANGES_TO_APPLY = "No changes to apply."


@dataclass(frozen=True)
class Section:
    """One titled table. ``group`` leading columns repeat per subscription and are
    blanked by renderers when equal to the row above, so a subscription's steps read
    as one block."""

    key: str
    title: str
    noun: tuple[str, str]  # singular, plural: what one row is, for "N more ... not shown"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    group: int = 0
    open: bool = False  # markdown: unfolded by default
    keep: int = 9  # lower is kept longer when a rendering must drop rows
    style: str = ""  # rich style of the title
    counted: bool = True  # show the row count in the title

    @property
    def heading(self) -> str:
        return f"{self.title} ({len(self.rows):,})" if self.counted else self.title


def plural(n: int, singular: str, plural_: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else (plural_ or singular + 's')}"


def order_cell(order_number: str | None, order_id: str | None) -> str:
    """An Order column's cell: the number people know from the portal, else the id."""
    return order_number or order_id or ""


def money(amount: str, currency: str) -> str:
    return f"{amount} {currency}"


def unpriced_renewals(plan: Plan) -> int:
    """Renew steps without an estimate: the cost shown would understate the bill."""
    return sum(1 for s in plan.steps if s.action is Action.RENEW and s.price is None)


def cost_text(totals: Totals, unpriced: int = 0) -> str:
    parts = [money(amount, cur) for cur, amount in sorted(totals.cost.items())]
    text = "cost " + ", ".join(parts) if parts else "no cost"
    if unpriced:
        text += f" (+ {plural(unpriced, 'renewal')} without a price estimate)"
    return text


def by_action_text(totals: Totals) -> str:
    return ", ".join(f"{n:,} {action}" for action, n in sorted(totals.byAction.items()))


def count_parts(plan: Plan) -> list[str]:
    """The one-line count summary, always shown whatever else is folded or dropped."""
    t = plan.totals
    change = f"{t.changes:,} to change"
    if t.byAction:
        change += f" ({by_action_text(t)})"
    return [
        change,
        f"{t.inProgress:,} in progress",
        plural(t.errors, "error"),
        f"{t.drift:,} drift",
        f"{t.stuck:,} stuck",
        f"{t.inSync:,} in sync",
        f"{t.unmanaged:,} unmanaged",
        *([f"{plan.targeting.notTargeted:,} not targeted"] if plan.targeting else []),
        cost_text(t, unpriced_renewals(plan)),
    ]


def header_line(plan: Plan) -> str:
    revision = plan.revision or "unknown revision"
    return f"Plan for {plan.target} at {revision}, {plan.createdAt.isoformat(timespec='seconds')}"


def nothing_to_do(plan: Plan) -> str | None:
    """Terraform's "No changes" line, but only claiming sync when nothing else is open."""
    if plan.has_changes:
        return None
    if plan.errors or plan.drift or plan.inProgress or plan.stuck:
        return NO_CHANGES_TO_APPLY
    return NO_CHANGES


MAX_REFUSAL_LINES = 10


def refusal_lines(plan: Plan) -> list[str]:
    """What apply would refuse, near the top of every rendering (controller/plan/guards.py):
    a pull request should not be merged green and then refused by every scheduled run."""
    if not plan.refusals:
        return []
    lines = [
        f"APPLY WILL REFUSE THIS PLAN (exit 3, nothing written): {r.message}"
        for r in plan.refusals[:MAX_REFUSAL_LINES]
    ]
    left = len(plan.refusals) - MAX_REFUSAL_LINES
    if left > 0:
        lines.append(f"... and {plural(left, 'more refusal')}")
    return lines


PARTIAL = "PARTIAL PLAN"


def targeting_line(plan: Plan) -> str | None:
    """The loud warning of a targeted plan (--only / --customer); None for a full plan."""
    t = plan.targeting
    if t is None:
        return None
    named = [f"--only {i}" for i in t.only] + [f"--customer {c}" for c in t.customers]
    return (
        f"{PARTIAL}: targeted with {' '.join(named)}; "
        f"{plural(t.notTargeted, 'declared subscription')} not targeted "
        "(neither planned nor applied in this run)."
    )


def unmanaged_line(plan: Plan) -> str | None:
    n = plan.unmanagedCount
    if not n:
        return None
    return f"{plural(n, 'unmanaged subscription')} (not declared in the specs; never touched)."


def days_text(days: int | None) -> str:
    if days is None:
        return ""
    if days == 0:
        return "today"
    if days > 0:
        return f"in {plural(days, 'day')}"
    return f"{plural(-days, 'day')} ago"


def step_detail(step: Step) -> str:
    if step.action is not Action.RENEW or step.terms is None:
        return step.description
    terms = plural(step.terms, "term")
    detail = f"{terms}: expiry {step.fromExpiry} -> {step.newExpiry}, "
    if step.price is None:
        return detail + "price unknown (no estimate)"
    detail += money(step.price.amount, step.price.currency)
    if step.pricePerTerm is not None and step.terms != 1:
        detail += f" ({money(step.pricePerTerm.amount, step.pricePerTerm.currency)} per term)"
    return detail


def _change_rows(sub: SubscriptionPlan) -> list[tuple[str, ...]]:
    lead = (
        sub.id,
        sub.name or "",
        sub.customerId or "",
        str(sub.expirationDate or ""),
        days_text(sub.daysToRenewal),
    )
    return [(*lead, step.action.value, step_detail(step)) for step in sub.steps]


def errors_section(errors: tuple[Issue, ...]) -> Section:
    """Plan errors; in an apply result, plan errors and orders still processing after --wait."""
    return Section(
        key="errors",
        title="Errors",
        noun=("error", "errors"),
        columns=("Subscription", "Source", "Code", "Message"),
        rows=tuple((e.subscriptionId, e.source or "", e.code.value, e.message) for e in errors),
        open=True,
        keep=0,
        style="bold red",
    )


def plan_sections(plan: Plan) -> list[Section]:
    """Every non-empty section of a plan, in display order."""
    sections = [
        Section(
            key="changes",
            title="Changes",
            noun=("change", "changes"),
            columns=("Subscription", "Name", "Customer", "Expiry", "Renewal", "Action", "Detail"),
            rows=tuple(row for sub in plan.subscriptions for row in _change_rows(sub)),
            group=5,
            keep=1,
            style="bold green",
        ),
        Section(
            key="in-progress",
            title="In progress",
            noun=("operation in progress", "operations in progress"),
            columns=("Subscription", "Kind", "Order", "Message"),
            rows=tuple(
                (p.subscriptionId, p.kind.value, order_cell(p.orderNumber, p.orderId), p.message)
                for p in plan.inProgress
            ),
            keep=2,
            style="bold cyan",
        ),
        errors_section(plan.errors),
        Section(
            key="drift",
            title="Drift (observe mode)",
            noun=("drifted field", "drifted fields"),
            columns=("Subscription", "Source", "Field", "Live -> desired"),
            rows=tuple(
                (d.subscriptionId, d.source or "", c.field, f"{c.live} -> {c.desired}")
                for d in plan.drift
                for c in d.changes
            ),
            group=2,
            keep=3,
            style="bold yellow",
        ),
        Section(
            key="stuck",
            title="Stuck orders",
            noun=("stuck order", "stuck orders"),
            columns=("Subscription", "Order", "Type", "Status", "Age"),
            rows=tuple(
                (
                    s.subscriptionId,
                    order_cell(s.orderNumber, s.orderId),
                    s.type,
                    s.status,
                    age(s.ageHours),
                )
                for s in plan.stuck
            ),
            keep=4,
            style="bold magenta",
        ),
        Section(
            key="warnings",
            title="Warnings",
            noun=("warning", "warnings"),
            columns=("Subscription", "Warning"),
            rows=tuple((w.subscriptionId or "", w.message) for w in plan.warnings),
            keep=5,
            style="bold yellow",
        ),
    ]
    return [s for s in sections if s.rows]


def age(hours: float) -> str:
    if hours < 48:
        return f"{hours:g} h"
    return f"{hours:g} h ({hours / 24:.1f} days)"


def blank_repeats(rows: tuple[tuple[str, ...], ...], group: int) -> list[tuple[str, ...]]:
    """Blank the leading ``group`` cells of a row when they repeat the row above."""
    out: list[tuple[str, ...]] = []
    previous: tuple[str, ...] | None = None
    for row in rows:
        lead = row[:group]
        if group and lead == previous:
            out.append(("",) * group + row[group:])
        else:
            out.append(row)
        previous = lead
    return out
