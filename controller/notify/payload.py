"""The notification document (``formatVersion`` 1): what a run did, for people who watch.

Built after the report from data that never holds a secret (the plan, the step
outcomes, the ``--summary`` counts and the journal: ids, dates, prices, messages), and
then passed through ``redact`` anyway, so a credential that found its way into an error
message from the marketplace still never leaves the machine. The shape is documented in
docs/notifications.md; fields are only added within version 1.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from controller.plan.model import Action, Plan, RenewStep, Step
from controller.plan.outcome import ApplyResult, Outcome

FORMAT_VERSION = 1
KIND = "subctl.run"
# Steps that put back a live subscription that had drifted from git.
DRIFT_ACTIONS = frozenset({Action.SET_AUTO_RENEW, Action.WITHDRAW})
# Shown in full up to this many per list; counts are always exact.
LIST_LIMIT = 50
# The environment variables that hold credentials (controller/marketplace/settings.py).
SECRET_ENV = ("SUBCTL_PASSWORD", "SUBCTL_SUBSCRIPTION_KEY")
# The embedded sandbox's documented defaults are not secrets; redacting them would turn
# the target "embedded sandbox (.subctl/sandbox.db)" into nonsense.
_NOT_SECRET = frozenset({"sandbox", "sandbox-key"})


def known_secrets(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    source = os.environ if env is None else env
    values = (source.get(name, "") for name in SECRET_ENV)
    return tuple(v for v in values if v and v not in _NOT_SECRET)


def redact(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` (JSON data) with every occurrence of a secret replaced by ``***``."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in sorted(secrets, key=len, reverse=True):
            value = value.replace(secret, "***")
        return value
    if isinstance(value, list):
        return [redact(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: redact(v, secrets) for k, v in value.items()}
    return value


def _capped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return items[:LIST_LIMIT]


def _money(totals: Mapping[str, Decimal]) -> dict[str, str]:
    return {cur: str(amount) for cur, amount in sorted(totals.items())}


def _renewals_due(
    plan: Plan,
    warn_days: int,
    auto_renew_now: Mapping[str, bool],
    renewed: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """Active subscriptions whose renewal (or expiry) date is within ``warn_days``
    (``renewed``: renewed by this run, so no longer due)."""
    due = []
    for sub in plan.subscriptions:
        days = sub.daysToRenewal
        if sub.id in renewed or sub.liveStatus != "active" or days is None:
            continue
        if not 0 <= days <= warn_days:
            continue
        date = sub.renewalDate or sub.expirationDate
        due.append(
            {
                "subscriptionId": sub.id,
                "customerId": sub.customerId,
                "name": sub.name,
                "date": date.isoformat() if date else None,
                "days": days,
                "autoRenew": auto_renew_now.get(sub.id, sub.autoRenew),
            }
        )
    due.sort(key=lambda d: (d["days"], d["subscriptionId"]))
    return due


def _stuck(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "subscriptionId": s.subscriptionId,
            "orderId": s.orderId,
            "orderNumber": s.orderNumber,
            "type": s.type,
            "status": s.status,
            "ageHours": s.ageHours,
        }
        for s in plan.stuck
    ]


def _issues(issues: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {"subscriptionId": e.subscriptionId, "code": e.code.value, "message": e.message}
        for e in issues
    ]


def _renewals_by_journal(
    journal: Sequence[Mapping[str, Any]], since: dt.datetime
) -> dict[str, int]:
    """Renewal orders this run placed, per subscription, from the journal's lines."""
    placed: dict[str, int] = {}
    for line in journal:
        if line.get("action") != Action.RENEW.value:
            continue
        if line.get("outcome") not in (Outcome.SUCCEEDED.value, Outcome.IN_PROGRESS.value):
            continue
        try:
            when = dt.datetime.fromisoformat(str(line.get("time")))
        except ValueError:
            continue
        if when >= since:
            sub = str(line.get("subscription"))
            placed[sub] = placed.get(sub, 0) + 1
    return placed


def _spent(
    result: ApplyResult, journal: Sequence[Mapping[str, Any]] | None
) -> tuple[dict[str, str], str]:
    """Money spent per currency on renewals, and where the count of orders came from.

    With the journal, each renewal order placed in this run is one term at the step's
    price per term (a renew step can stop early when another run renewed first). Without
    it, a succeeded renew step counts at its planned price."""
    steps = {(s.subscriptionId, s.action): s for s in result.plan.steps}
    totals: dict[str, Decimal] = {}

    def add(step: Step | None, terms: int | None) -> None:
        if not isinstance(step, RenewStep) or step.pricePerTerm is None:
            return
        count = terms if terms is not None else (step.terms or 0)
        cur = step.pricePerTerm.currency
        totals[cur] = totals.get(cur, Decimal(0)) + step.pricePerTerm.value * count

    if journal is not None:
        for sub_id, terms in _renewals_by_journal(journal, result.startedAt).items():
            add(steps.get((sub_id, Action.RENEW)), terms)
        return _money(totals), "journal"
    for out in result.outcomes:
        if out.action is Action.RENEW and out.outcome is Outcome.SUCCEEDED:
            add(steps.get((out.subscriptionId, Action.RENEW)), None)
    return _money(totals), "plan"


def _drift_reverted(result: ApplyResult) -> list[dict[str, Any]]:
    steps = {(s.subscriptionId, s.action): s for s in result.plan.steps}
    names = {s.id: s for s in result.plan.subscriptions}
    out = []
    for outcome in result.outcomes:
        if outcome.action not in DRIFT_ACTIONS or outcome.outcome is not Outcome.SUCCEEDED:
            continue
        step = steps.get((outcome.subscriptionId, outcome.action))
        sub = names.get(outcome.subscriptionId)
        if sub is not None and sub.desiredState == "cancelled":
            # Auto-renew turned off as the first step of a cancellation: git asked for
            # the change in this revision, the live state had not drifted from it.
            continue
        out.append(
            {
                "subscriptionId": outcome.subscriptionId,
                "customerId": step.customerId if step else None,
                "name": sub.name if sub else None,
                "action": outcome.action.value,
                "description": step.description if step else outcome.message,
                "orderNumber": outcome.orderNumber,
                "source": sub.source if sub else None,
            }
        )
    return out


def _base(plan: Plan, command: str) -> dict[str, Any]:
    return {
        "formatVersion": FORMAT_VERSION,
        "kind": KIND,
        "command": command,
        "target": plan.target,
        "revision": plan.revision,
    }


def _lists(
    plan: Plan,
    errors: list[dict[str, Any]],
    refused: Sequence[str],
    reverted: list[dict[str, Any]],
    stuck: list[dict[str, Any]],
    due: list[dict[str, Any]],
    warn_days: int,
) -> dict[str, Any]:
    """The lists of an apply's and a plan's document, capped, in the documented order."""
    observed = [{"subscriptionId": d.subscriptionId, "source": d.source} for d in plan.drift]
    return {
        "errors": _capped(errors),
        "guardRefusals": list(refused),
        "driftReverted": _capped(reverted),
        "driftObserved": _capped(observed),
        "stuck": _capped(stuck),
        "renewalsDue": _capped(due),
        "warnDays": warn_days,
    }


def from_apply(
    result: ApplyResult,
    *,
    warn_days: int,
    journal: Sequence[Mapping[str, Any]] | None = None,
    refused: Sequence[str] = (),
    secrets: Sequence[str] = (),
) -> dict[str, Any]:
    """The document for one apply (``journal``: its lines, to count renewals exactly)."""
    plan = result.plan
    failed = [o for o in result.outcomes if o.outcome is Outcome.FAILED]
    reverted = _drift_reverted(result)
    auto_now = {
        s.subscriptionId: bool(s.autoRenew)
        for s in plan.steps
        if s.action is Action.SET_AUTO_RENEW
        and any(
            o.subscriptionId == s.subscriptionId
            and o.action is s.action
            and o.outcome is Outcome.SUCCEEDED
            for o in result.outcomes
        )
    }
    spent, spent_from = _spent(result, journal)
    renewed = frozenset(
        o.subscriptionId
        for o in result.outcomes
        if o.action is Action.RENEW and o.outcome is Outcome.SUCCEEDED
    )
    due = _renewals_due(plan, warn_days, auto_now, renewed)
    stuck = _stuck(plan)
    errors = _issues(result.errors) + [
        {
            "subscriptionId": o.subscriptionId,
            "code": f"{o.action.value}-failed",
            "message": o.message,
        }
        for o in failed
    ]
    doc = _base(plan, "apply")
    doc.update(
        {
            "ok": result.ok and not refused,
            "startedAt": result.startedAt.isoformat(),
            "finishedAt": result.finishedAt.isoformat(),
            "counts": {
                "changes": plan.totals.changes,
                "succeeded": result.count(Outcome.SUCCEEDED),
                "failed": len(failed),
                "inProgress": result.count(Outcome.IN_PROGRESS),
                "errors": len(errors),
                "driftReverted": len(reverted),
                "driftObserved": len(plan.drift),
                "stuck": len(stuck),
                "renewalsDue": len(due),
                "unmanaged": plan.unmanagedCount,
            },
            **_lists(plan, errors, refused, reverted, stuck, due, warn_days),
            "spent": spent,
            "spentFrom": spent_from,
            "stillProcessing": list(result.stillProcessing),
        }
    )
    return redact(doc, secrets)  # type: ignore[no-any-return]


def from_plan(
    plan: Plan,
    *,
    warn_days: int,
    refused: Sequence[str] = (),
    secrets: Sequence[str] = (),
    command: str = "plan",
) -> dict[str, Any]:
    """The document for a plan (``plan --format json`` / ``--out``, or the plan of an
    apply refused by a guard, ``command="apply"``): nothing written, so no drift reverted
    and no money spent; ``planned`` holds the plan's cost."""
    due = _renewals_due(plan, warn_days, {})
    stuck = _stuck(plan)
    errors = _issues(plan.errors)
    doc = _base(plan, command)
    doc.update(
        {
            "ok": not errors and not refused,
            "createdAt": plan.createdAt.isoformat(),
            "counts": {
                "changes": plan.totals.changes,
                "errors": len(errors),
                "driftReverted": 0,
                "driftObserved": len(plan.drift),
                "stuck": len(stuck),
                "renewalsDue": len(due),
                "unmanaged": plan.unmanagedCount,
            },
            **_lists(plan, errors, refused, [], stuck, due, warn_days),
            "spent": {},
            "planned": dict(plan.totals.cost),
            "stillProcessing": [],
        }
    )
    return redact(doc, secrets)  # type: ignore[no-any-return]


def from_summary(
    summary: Mapping[str, Any], *, warn_days: int, secrets: Sequence[str] = ()
) -> dict[str, Any]:
    """The document when only the ``--summary`` file is there (an apply refused by a
    guard, or killed before printing its result): counts and errors, no details."""
    errors = [
        {
            "subscriptionId": str(e.get("subscriptionId", "")),
            "code": str(e.get("code", "")),
            "message": str(e.get("message", "")),
        }
        for e in summary.get("errors") or []
        if isinstance(e, Mapping)
    ]
    refused = [str(r) for r in summary.get("guard_refusals") or []]
    failed = int(summary.get("failed") or 0)
    doc: dict[str, Any] = {
        "formatVersion": FORMAT_VERSION,
        "kind": KIND,
        "command": "apply" if "succeeded" in summary else "plan",
        "target": None,
        "revision": None,
        "ok": bool(summary.get("ok", not errors)) and not refused and not failed,
        "counts": {
            "changes": sum(int(v) for v in (summary.get("counts") or {}).values()),
            "succeeded": int(summary.get("succeeded") or 0),
            "failed": failed,
            "errors": len(errors),
            "driftReverted": None,  # unknown from a summary
            "driftObserved": int(summary.get("drift") or 0),
            "stuck": int(summary.get("stuck") or 0),
            "renewalsDue": None,
            "unmanaged": int(summary.get("unmanaged") or 0),
        },
        "errors": _capped(errors),
        "guardRefusals": refused,
        "driftReverted": [],
        "driftObserved": [],
        "stuck": [],
        "renewalsDue": [],
        "warnDays": warn_days,
        "spent": {},
        "planned": {str(k): str(v) for k, v in (summary.get("cost") or {}).items()},
        "stillProcessing": [str(s) for s in summary.get("still_processing") or []],
    }
    return redact(doc, secrets)  # type: ignore[no-any-return]
