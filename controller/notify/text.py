"""The chat message of a notification: a title and a short markdown body.

Chat services (Slack, Teams, apprise's json://) get words, not the JSON document:
``message(doc)`` writes them from the document of ``payload.py`` alone, so what a person
reads and what a webhook receives never disagree. Lists are cut to a few lines each; the
counts in the first line are always exact.
"""

from __future__ import annotations

from typing import Any

SHOWN = 10  # lines per list in a chat message


def title(doc: dict[str, Any]) -> str:
    counts = doc["counts"]
    if doc["guardRefusals"]:
        state = "refused"
    elif not doc["ok"]:
        state = f"{counts['errors']} error(s)"
    else:
        state = "OK"
    where = doc.get("target") or "marketplace"
    return f"subctl {doc['command']} on {where}: {state}"


def _money(amounts: dict[str, str]) -> str:
    return ", ".join(f"{amount} {cur}" for cur, amount in amounts.items()) or "nothing"


def _section(lines: list[str], heading: str, items: list[str], total: int | None) -> None:
    if not items:
        return
    lines.append("")
    lines.append(f"**{heading}** ({total if total is not None else len(items)})")
    lines.extend(f"- {item}" for item in items[:SHOWN])
    hidden = (total if total is not None else len(items)) - min(len(items), SHOWN)
    if hidden > 0:
        lines.append(f"- ... and {hidden} more")


def _one_line(text: object, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def body(doc: dict[str, Any]) -> str:
    counts = doc["counts"]
    head = [f"revision {doc.get('revision') or 'unknown'}"]
    if doc["command"] == "apply":
        head.append(f"{counts.get('succeeded', 0)} step(s) succeeded")
        head.append(f"{counts.get('failed', 0)} failed")
        head.append(f"spent {_money(doc.get('spent') or {})}")
    else:
        head.append(f"{counts['changes']} change(s) planned")
        head.append(f"would cost {_money(doc.get('planned') or {})}")
    lines = [", ".join(head)]
    for refusal in doc["guardRefusals"]:
        lines.append(f"Refused by a guard: {_one_line(refusal, 400)}")
    _section(
        lines,
        "Errors",
        [f"`{e['subscriptionId']}` {e['code']}: {_one_line(e['message'])}" for e in doc["errors"]],
        counts["errors"],
    )
    _section(
        lines,
        "Drift reverted",
        [
            f"`{d['subscriptionId']}` {d['action']}: {_one_line(d['description'])}"
            for d in doc["driftReverted"]
        ],
        counts["driftReverted"],
    )
    _section(
        lines,
        "Drift seen (observe mode, not reverted)",
        [f"`{d['subscriptionId']}` {d.get('source') or ''}".rstrip() for d in doc["driftObserved"]],
        counts["driftObserved"],
    )
    _section(
        lines,
        "Stuck orders",
        [
            f"{s.get('orderNumber') or s['orderId']} ({s['type']}, {s['status']}) for "
            f"`{s['subscriptionId']}`, {s['ageHours']:.0f}h old"
            for s in doc["stuck"]
        ],
        counts["stuck"],
    )
    _section(
        lines,
        f"Renewals due within {doc['warnDays']} days",
        [
            f"`{r['subscriptionId']}` on {r['date']} (in {r['days']} days, auto-renew "
            f"{'on' if r['autoRenew'] else 'off'})"
            for r in doc["renewalsDue"]
        ],
        counts["renewalsDue"],
    )
    if doc.get("stillProcessing"):
        _section(lines, "Still processing", list(doc["stillProcessing"]), None)
    return "\n".join(lines) + "\n"
