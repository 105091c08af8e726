"""The notification document without a network: secrets redacted, lists capped,
the chat message written from the document."""

from __future__ import annotations

import json

import pytest

from controller.notify import payload, text
from controller.notify.send import shown, urls_from_env
from controller.plan.model import Issue, IssueCode, Plan
from tests.plan.builders import NOW

SECRET = "hunter2-very-secret"


def _plan(*messages: str) -> Plan:
    return Plan(
        createdAt=NOW,
        target="https://api.example.test",
        revision="abc123",
        errors=tuple(
            Issue(subscriptionId=str(i), code=IssueCode.NOT_FOUND, message=m)
            for i, m in enumerate(messages)
        ),
    )


def test_known_secret_values_are_redacted_wherever_they_appear() -> None:
    env = {"SUBCTL_PASSWORD": SECRET, "SUBCTL_SUBSCRIPTION_KEY": "key-1234"}
    secrets = payload.known_secrets(env)
    assert set(secrets) == {SECRET, "key-1234"}
    # An error message from the marketplace that echoed a credential back.
    doc = payload.from_plan(
        _plan(f"rejected credentials {SECRET} with key-1234"), warn_days=14, secrets=secrets
    )
    raw = json.dumps(doc)
    assert SECRET not in raw
    assert "key-1234" not in raw
    assert doc["errors"][0]["message"] == "rejected credentials *** with ***"
    assert SECRET not in text.body(doc) + text.title(doc)


def test_the_sandbox_defaults_are_not_secrets() -> None:
    assert payload.known_secrets({"SUBCTL_PASSWORD": "sandbox"}) == ()
    doc = payload.from_plan(_plan(), warn_days=14, secrets=payload.known_secrets({}))
    assert doc["target"] == "https://api.example.test"


def test_lists_are_capped_and_counts_exact() -> None:
    doc = payload.from_plan(_plan(*(f"e{i}" for i in range(120))), warn_days=14)
    assert doc["counts"]["errors"] == 120
    assert len(doc["errors"]) == payload.LIST_LIMIT
    message = text.body(doc)
    assert "**Errors** (120)" in message
    assert "- ... and 110 more" in message
    assert text.title(doc) == "subctl plan on https://api.example.test: 120 error(s)"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://hooks.example.test/T0/B0/secret", "https://hooks.example.test/…"),
        ("slack://TOKENA/TOKENB/TOKENC", "slack://…/…"),
        ("json://user:pw@127.0.0.1:8080/x", "json://127.0.0.1:8080/…"),
        ("nonsense", "<not a URL>"),
    ],
)
def test_urls_are_shown_without_their_secret_parts(url: str, expected: str) -> None:
    assert shown(url) == expected


def test_urls_from_the_environment() -> None:
    env = {"SUBCTL_NOTIFY_URLS": "https://a.test/x  slack://b/c\njson://d/e,f"}
    assert urls_from_env(env) == ["https://a.test/x", "slack://b/c", "json://d/e,f"]
