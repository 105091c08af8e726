"""The one redactor of secret values: every message, log line and file subctl writes.

Secrets (the password, the subscription key, the HTTP Basic credential built from them,
and each bearer token) are registered here when they become known: at start-up by
``ApiSettings.from_env`` and by the authenticator for each new token. ``redact`` is then
applied where text leaves the process: errors when they are built (``errors.py``), the
CLI's error lines (``errorhandler.py``), the logging filter (``RedactingFilter``), the
output of every command and the files plan and apply write (``commands/terminal.py``,
``commands/files.py``), the status page (``status/render.py``), export's files and each
journal line (``apply/journal.py``).

A server that echoes a key back in an error body, or a transport error that quotes a
header value (httpx's ``Illegal header value b'...'``), cannot leak it this way.

Values shorter than ``MIN_LENGTH`` are not redacted (replacing every "p" of a message
would destroy it and protect nothing); nor are the embedded sandbox's documented
default credentials, which are public and are words of ordinary messages ("sandbox").
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading

MIN_LENGTH = 4
MASK = "***"
# DESIGN.md section 6: the sandbox's defaults; published, so not secret.
_PUBLIC = frozenset({"sandbox", "sandbox-key"})


class Redactor:
    """Known secret values, and a compiled pattern that replaces any of them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Remember ``value`` (and the forms in which it is quoted: repr, JSON, HTML)."""
        if len(value) < MIN_LENGTH or value in _PUBLIC:
            return
        forms = {value, repr(value)[1:-1], json.dumps(value)[1:-1], html.escape(value)}
        forms |= {repr(value.encode("utf-8", "replace"))[2:-1]}
        forms = {form for form in forms if len(form) >= MIN_LENGTH}
        with self._lock:
            if forms <= self._values:
                return
            self._values |= forms
            # Longest first, so a value that contains another is masked whole.
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def __call__(self, text: str) -> str:
        pattern = self._pattern
        return text if pattern is None else pattern.sub(MASK, text)

    def clear(self) -> None:
        """Forget every value (tests only)."""
        with self._lock:
            self._values.clear()
            self._pattern = None


REDACTOR = Redactor()


def remember_secret(value: str) -> None:
    """Register a secret value: from now on it is masked wherever ``redact`` runs."""
    REDACTOR.add(value)


def redact(text: str) -> str:
    """``text`` with every known secret value replaced by ``***``."""
    return REDACTOR(text)


class RedactingFilter(logging.Filter):
    """Masks known secrets in every record a handler emits (message and arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format: logging reports it itself
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


__all__ = ["MASK", "REDACTOR", "RedactingFilter", "redact", "remember_secret"]
