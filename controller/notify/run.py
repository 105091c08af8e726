"""Read a run's outcome and post it: for ``subctl notify`` and ``subctl apply --notify``.

``subctl notify`` (controller/commands/notify.py) reads the files a run left (the
``--format json`` output of apply or plan, its ``--summary`` file, the journal) and
``build_document`` builds the document from the most detailed one there; ``notify_apply``
is the same from inside apply, with the result in hand. Either way a failed delivery is
one line on stderr per URL (``report_failures``); for apply it never changes the exit
code (the run's outcome is what it is), for ``subctl notify`` it is 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from controller.errors import ConfigError, ControllerError
from controller.notify import payload
from controller.notify.send import deliver
from controller.notify.sources import RunFiles
from controller.plan.model import Plan
from controller.plan.outcome import ApplyResult


def read_journal(path: Path) -> list[dict[str, Any]] | None:
    """The journal's lines (unreadable ones skipped), or None when there is no journal."""
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the journal: {err.strerror or err}") from None
    lines = []
    for line in raw.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            lines.append(entry)
    return lines


def _read_json(path: Path, what: str) -> Any | None:
    """The file's JSON, or None when it is missing or empty (a run that printed nothing)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the {what}: {err}") from None
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as err:
        raise ConfigError(f"{path}: the {what} is not JSON: {err}") from None


def build_document(files: RunFiles, *, warn_days: int) -> dict[str, Any]:
    """The notification document from the most detailed file available."""
    result_path, summary_path, journal_path = files.result, files.summary, files.journal
    secrets = payload.known_secrets()
    summary = _read_json(summary_path, "summary") if summary_path else None
    refused = [str(r) for r in (summary or {}).get("guard_refusals") or []]
    data = _read_json(result_path, "result") if result_path else None
    if isinstance(data, dict) and "outcomes" in data:
        try:
            result = ApplyResult.model_validate(data)
        except ValueError as err:
            raise ConfigError(f"{result_path}: not a subctl apply result: {_first(err)}") from None
        journal = read_journal(journal_path) if journal_path else None
        return payload.from_apply(
            result, warn_days=warn_days, journal=journal, refused=refused, secrets=secrets
        )
    if isinstance(data, dict) and "subscriptions" in data:
        try:
            plan = Plan.model_validate(data)
        except ValueError as err:
            raise ConfigError(f"{result_path}: not a subctl plan: {_first(err)}") from None
        return payload.from_plan(plan, warn_days=warn_days, refused=refused, secrets=secrets)
    if data is not None:
        raise ConfigError(f"{result_path}: neither a subctl apply result nor a plan")
    if isinstance(summary, dict):
        return payload.from_summary(summary, warn_days=warn_days, secrets=secrets)
    if result_path is None and summary_path is None:
        raise ConfigError(
            "nothing to report: give --result (apply/plan --format json output) or --summary"
        )
    # Files named but missing or empty: the run died before writing them (the marketplace
    # unreachable, a crash). That is news for the watchers, not a reason to stay silent.
    named = ", ".join(str(p) for p in (result_path, summary_path) if p is not None)
    return payload.from_summary(
        {
            "ok": False,
            "succeeded": 0,
            "errors": [
                {
                    "subscriptionId": "",
                    "code": "no-result",
                    "message": f"the run left no result ({named} missing or empty): see its log",
                }
            ],
        },
        warn_days=warn_days,
        secrets=secrets,
    )


def describe(err: BaseException) -> str:
    """One line for an error that ended a run: the first of our own errors in it (a task
    group wraps them), else its type, as the CLI reports a bug."""
    if isinstance(err, BaseExceptionGroup):
        for inner in err.exceptions:
            found = describe(inner)
            if not found.startswith("internal error"):
                return found
        return describe(err.exceptions[0]) if err.exceptions else "internal error"
    if isinstance(err, ControllerError):
        return str(err)
    return f"internal error ({type(err).__name__})"


def _first(err: ValueError) -> str:
    return (str(err).splitlines() or ["invalid"])[0]


def report_failures(
    urls: Sequence[str], doc: dict[str, Any], echo_err: Callable[[str], None]
) -> int:
    """Deliver; one stderr line per failure; how many failed."""
    failures = deliver(urls, doc)
    for failure in failures:
        echo_err(f"warning: notification to {failure.url} failed: {failure.reason}")
    return len(failures)


def notify_apply(
    urls: Sequence[str],
    *,
    result: ApplyResult | None,
    plan: Plan | None,
    refused: str | None,
    warn_days: int,
    journal_path: Path | None,
    echo_err: Callable[[str], None],
    failure: BaseException | None = None,
) -> None:
    """The end of ``apply --notify``: never raises, never changes the exit code.

    ``failure``: the error that ended the run before it had a result (the marketplace
    unreachable, say); watchers hear of that too, as one error ``run-failed``."""
    if not urls:
        return
    try:
        secrets = payload.known_secrets()
        refusals = [refused] if refused else []
        if failure is not None:
            doc = payload.from_summary(
                {
                    "ok": False,
                    "succeeded": 0,
                    "errors": [
                        {"subscriptionId": "", "code": "run-failed", "message": describe(failure)}
                    ],
                },
                warn_days=warn_days,
                secrets=secrets,
            )
            doc["target"] = plan.target if plan is not None else None
        elif result is not None:
            journal = read_journal(journal_path) if journal_path else None
            doc = payload.from_apply(
                result, warn_days=warn_days, journal=journal, refused=refusals, secrets=secrets
            )
        elif plan is not None:
            doc = payload.from_plan(
                plan, warn_days=warn_days, refused=refusals, secrets=secrets, command="apply"
            )
        else:
            doc = payload.from_summary(
                {"ok": False, "guard_refusals": refusals, "succeeded": 0},
                warn_days=warn_days,
                secrets=secrets,
            )
        report_failures(urls, doc, echo_err)
    except Exception as err:  # a notification never fails the apply
        echo_err(f"warning: notification not sent: {err}")
