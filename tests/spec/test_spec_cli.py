"""subctl validate and subctl schema, through the real click commands."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from controller.cli import main
from controller.spec.schema import SCHEMA_FILE, schema_json

ROOT = Path(__file__).resolve().parents[2]
BAD = Path(__file__).parent / "bad"


def test_validate_the_examples_says_valid_on_stdout() -> None:
    result = CliRunner().invoke(main, ["validate", str(ROOT / "specs")])
    assert result.exit_code == 0
    assert result.stdout == "3 files, 6 subscriptions: valid\n"
    assert result.stderr == ""


def test_validate_json_when_valid() -> None:
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(ROOT / "specs")])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "formatVersion": 1,
        "valid": True,
        "files": 3,
        "subscriptions": 6,
        "errors": [],
    }


def _two_bad_files(tmp_path: Path) -> list[str]:
    head = "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: {}\n"
    one = tmp_path / "one.yaml"
    one.write_text(head.format("one") + 'subscriptions:\n  - id: "1"\n    state: on\n')
    two = tmp_path / "two.yaml"
    two.write_text(head.format("two") + 'subscriptions:\n  - id: "2"\n    autoRenew: true\n')
    return [str(one), str(two)]


def test_validate_json_lists_every_error(tmp_path: Path) -> None:
    bad = _two_bad_files(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--format", "json", *bad])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert (body["valid"], body["files"], body["subscriptions"]) == (False, 2, 2)
    assert body["errors"] == [
        {
            "path": bad[0],
            "line": 7,
            "column": 12,
            "message": "subscriptions[0].state: expected 'active' or 'cancelled', got 'on'",
        },
        {
            "path": bad[1],
            "line": 6,
            "column": 5,
            "message": "subscriptions[0]: missing required field 'state' (active or cancelled)",
        },
    ]


def test_validate_text_counts_errors_and_files(tmp_path: Path) -> None:
    bad = _two_bad_files(tmp_path)
    result = CliRunner().invoke(main, ["validate", *bad, str(ROOT / "specs")])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad[0]}:7:12: subscriptions[0].state: expected 'active' or 'cancelled', got 'on'",
        f"{bad[1]}:6:5: subscriptions[0]: missing required field 'state' (active or cancelled)",
        "2 errors in 2 files",
    ]


def test_validate_needs_a_path() -> None:
    # A usage mistake exits 1 like any user mistake (never 2, which plan uses for changes).
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "Missing argument" in result.stderr


def test_usage_mistakes_exit_1_for_every_command() -> None:
    for args in (["plan"], ["apply", "x", "--max-cancellations", "many"], ["nosuch"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, args
        assert "Traceback" not in result.stderr


def test_schema_prints_the_committed_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == schema_json()
    assert result.stdout.endswith("}\n")


def test_committed_schema_is_fresh() -> None:
    committed = (ROOT / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_json(), f"{SCHEMA_FILE} is stale: run `make schema`"


def test_schema_describes_the_document() -> None:
    schema = json.loads(schema_json())
    assert list(schema)[:3] == ["$schema", "$id", "title"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"apiVersion", "kind", "metadata"}
    entry = schema["$defs"]["SubscriptionEntry"]
    assert entry["required"] == ["id"]
    id_types = {choice["type"] for choice in entry["properties"]["id"]["anyOf"]}
    assert id_types == {"string", "integer"}
    assert entry["properties"]["state"]["anyOf"][0]["enum"] == ["active", "cancelled"]


def test_validate_as_a_real_process_has_no_traceback() -> None:
    import subprocess
    import sys

    bad = BAD / "custom-tag.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "controller", "validate", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{bad}:8:11: tag !!python/object/apply:os.system")


def test_a_bad_set_name_does_not_hide_the_entries_cross_field_errors(tmp_path: Path) -> None:
    # DESIGN.md section 3: all errors reported at once. A bad metadata.name used to
    # make validate skip every entry's cross-field rules (the set failed as a whole).
    path = tmp_path / "a.yaml"
    path.write_text(
        "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: Bad_Name\n"
        'defaults:\n  autoRenew: true\nsubscriptions:\n  - id: "1"\n    state: cancelled\n'
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:4:9: metadata.name: expected 1 to 63 characters of a-z, 0-9 and '-', "
        "got 'Bad_Name'",
        f"{path}:8:5: subscriptions[0]: autoRenew: true is not allowed with state cancelled "
        "(set in defaults)",
        f"{path}:9:12: subscriptions[0].state: state cancelled needs cancellation.reason",
        "3 errors in 1 file",
    ]


def test_invalid_defaults_still_hold_back_the_merged_rules(tmp_path: Path) -> None:
    # With defaults that do not validate, a merged entry would mislead: only the
    # defaults' own problem is reported for the set.
    path = tmp_path / "a.yaml"
    path.write_text(
        "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: a\n"
        'defaults:\n  autoRenew: maybe\nsubscriptions:\n  - id: "1"\n    state: active\n'
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}:6:14: defaults.autoRenew: expected true or false, got 'maybe'",
        "1 error in 1 file",
    ]
