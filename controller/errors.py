"""The error tree of subctl and the one mapping from errors to exit codes.

Every failure that a user can cause or meet is one of these; the CLI catches
``ControllerError`` at the top and turns it into a one-line message and an exit
code (DESIGN.md section 7). Anything else is a bug and is reported as such.

    ControllerError
    ├── SpecError            file, line, column, message (one per problem)
    │   └── SpecErrors       every SpecError found in a run, reported at once
    ├── ApiError             method, path, status, correlation id, message cut short
    │   ├── ApiClientError   4xx
    │   │   ├── NotFound          404, or 400 "No entity has been found"
    │   │   ├── Conflict          400/409 "an open order already exists"
    │   │   └── Unauthorized      401/403
    │   ├── ApiServerError   5xx and 429 (retryable)
    │   ├── ApiUnavailable   connection refused/dropped, timeout (retryable)
    │   └── ApiProtocolError 2xx with a body we cannot understand (never retried)
    ├── ConfigError          bad option, no target chosen, insecure URL
    ├── PlanError            impossible or forbidden transition, unreadable plan file
    ├── GuardError           refused by a guard (exit 3)
    └── Interrupted          Ctrl-C before anything was written (exit 130)
"""

from __future__ import annotations

from dataclasses import dataclass

from controller.redact import redact
from controller.safetext import scrub

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_REFUSED = 3
EXIT_INTERRUPTED = 130

_MAX_MESSAGE = 300


def shorten(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Cut a server-supplied text so that a huge body never floods a log line.

    Whitespace runs become one space, control characters become ``?`` and known
    secret values ``***`` (a server or a transport error may quote a header).
    """
    text = redact(text)
    # A server's text must not be able to repaint the terminal (or CI log) showing it.
    text = " ".join(scrub(text, "mark").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ControllerError(Exception):
    """Base of every error subctl reports to a user; carries its own exit code."""

    exit_code: int = EXIT_ERROR


@dataclass(frozen=True, order=True)
class SpecProblem:
    """One problem in one spec file, sortable by place."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class SpecError(ControllerError):
    """A single problem in a spec file, located by path, line and column (1-based)."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        self.problem = SpecProblem(path, line, column, message)
        super().__init__(str(self.problem))


class SpecErrors(ControllerError):
    """Every problem found while loading specs; reported together, sorted."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ApiError(ControllerError):
    """A call to the marketplace failed. Never carries headers or credentials."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        correlation_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.correlation_id = shorten(correlation_id, 100) if correlation_id else None
        self.retry_after = retry_after
        self.message = shorten(message)
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f" -> {self.status}" if self.status is not None else ""
        cid = f" [correlation id {self.correlation_id}]" if self.correlation_id else ""
        prefix = f"{where}{status}: " if where else ""
        return f"{prefix}{self.message}{cid}"


class ApiClientError(ApiError):
    """4xx: the request was wrong or not allowed; retrying will not help."""


class NotFound(ApiClientError):
    """The entity does not exist (404, or the API's 400 'No entity has been found')."""


class Conflict(ApiClientError):
    """The API refused a write because of current state (e.g. an open order exists)."""


class Unauthorized(ApiClientError):
    """Credentials or token refused (401/403)."""


class ApiServerError(ApiError):
    """5xx or 429: the server could not answer now; safe calls are retried."""

    retryable = True


class ApiUnavailable(ApiError):
    """No answer at all: connection refused or dropped, or a timeout."""

    retryable = True


class ApiProtocolError(ApiError):
    """A 2xx answer whose body is not what the API contract promises."""


class ConfigError(ControllerError):
    """The command line or environment does not describe a usable run."""


class PlanError(ControllerError):
    """A plan cannot be made or read (unreadable plan file, impossible transition)."""


class GuardError(ControllerError):
    """A safety guard refused the whole run (max cancellations, stale plan, no --yes).

    ``kind`` names the guard (a ``RefusalKind`` value such as ``stale-plan``) so that a
    workflow can branch on it through ``--summary`` without parsing the message."""

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


class Interrupted(ControllerError):
    """Ctrl-C stopped the run cleanly (controller/apply/interrupt.py)."""

    exit_code = EXIT_INTERRUPTED


def exit_code_for(error: BaseException) -> int:
    """The one place that maps an exception to a process exit code."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, ControllerError):
        return error.exit_code
    return EXIT_ERROR
