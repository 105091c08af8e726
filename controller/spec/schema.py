"""The JSON Schema of a SubscriptionSet document, generated from the models.

Spec stage, for editors and CI: ``subctl schema`` prints it and the repository keeps
a copy in ``schemas/subscriptionset.schema.json`` (``make schema`` refreshes it; a
test fails when it is stale). Spec files point the YAML language server at it, so
typos show up while typing. The schema checks shapes and types; the rules that join
fields (state active needs autoRenew, ...) and span files are ``subctl validate``'s.
"""

from __future__ import annotations

import json
from typing import Any

from controller.spec.models import SubscriptionSet

# A URN, not a URL: there is no server to fetch it from; editors use the file path.
SCHEMA_ID = "urn:subctl:schema:subscriptionset:v1"
SCHEMA_FILE = "schemas/subscriptionset.schema.json"


def subscriptionset_schema() -> dict[str, Any]:
    """The schema as a dict, with ``$schema``, ``$id`` and title first."""
    generated = SubscriptionSet.model_json_schema(mode="validation")
    generated.pop("title", None)
    head: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "subctl SubscriptionSet",
        "description": (
            "One document of a subctl spec file: the Comms Care subscriptions that git "
            "declares. Fields of `defaults` are merged into every subscription that does "
            "not set them. `subctl validate` also checks the rules that join fields: "
            "active needs autoRenew and forbids cancellation; cancelled needs "
            "cancellation.reason and forbids autoRenew: true, renewThrough and "
            "protected: true; ids and metadata.name are unique across all files."
        ),
    }
    generated.pop("description", None)
    return head | generated


def schema_json() -> str:
    """The schema as committed: two-space indent, stable order, ending in a newline."""
    return json.dumps(subscriptionset_schema(), indent=2, ensure_ascii=False) + "\n"
