"""load_specs on valid input: the example specs, defaults, ids, documents, order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from controller.errors import SpecErrors
from controller.spec.loader import check_specs, load_specs

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
HEAD = "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata:\n  name: {name}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def spec(name: str, body: str) -> str:
    return HEAD.format(name=name) + body


def test_example_specs_declare_the_demo_set() -> None:
    state = load_specs([SPECS])
    got = {s.id: (s.state, s.customerId, s.product) for s in state.subscriptions}
    assert got == {
        "1000177": ("active", "1000275", "Comms Care"),
        "1000178": ("cancelled", "1000275", "Comms Care"),
        "1000179": ("active", "1000275", "Comms Care"),
        "1000201": ("active", "1000310", "Comms Care"),
        "1000202": ("cancelled", "1000310", "Comms Care"),
        "1000301": ("active", "1000422", "Comms Care"),
    }
    by_id = state.by_id()
    assert by_id["1000177"].protected is True
    assert by_id["1000178"].cancellation is not None
    assert by_id["1000178"].cancellation.reason == "Customer moved to another provider"
    assert by_id["1000178"].cancellation.approval == "auto"
    assert by_id["1000201"].renewThrough == dt.date(2028, 1, 31)
    assert by_id["1000202"].cancellation is not None
    assert by_id["1000202"].cancellation.reason == "Closing the shop"
    assert by_id["1000301"].mode == "observe"
    assert by_id["1000179"].autoRenew is True


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_spec_is_valid_and_points_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/subscriptionset.schema.json"
    assert check_specs([path]).valid


def test_source_is_the_path_as_given_and_the_entry_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path / "specs" / "a.yaml",
        spec("a", 'subscriptions:\n  - id: "1"\n    state: active\n    autoRenew: true\n'),
    )
    monkeypatch.chdir(tmp_path)
    state = load_specs(["specs"])
    assert state.files == ("specs/a.yaml",)
    assert state.subscriptions[0].source == "specs/a.yaml:6"
    assert state.subscriptions[0].setName == "a"


def test_defaults_are_merged_and_the_entry_wins(tmp_path: Path) -> None:
    body = (
        "defaults:\n"
        '  customerId: "1000275"\n'
        "  product: Comms Care\n"
        "  autoRenew: true\n"
        "  mode: observe\n"
        "subscriptions:\n"
        '  - id: "1"\n'
        "    state: active\n"
        '  - id: "2"\n'
        "    state: active\n"
        "    autoRenew: false\n"
        "    mode: enforce\n"
        '    customerId: "42"\n'
    )
    state = load_specs([write(tmp_path / "a.yaml", spec("a", body))])
    one, two = state.subscriptions
    assert (one.customerId, one.product, one.autoRenew, one.mode) == (
        "1000275",
        "Comms Care",
        True,
        "observe",
    )
    assert (two.customerId, two.product, two.autoRenew, two.mode) == (
        "42",
        "Comms Care",
        False,
        "enforce",
    )


def test_a_bare_integer_id_is_read_as_its_digits(tmp_path: Path) -> None:
    body = "subscriptions:\n  - id: 1000177\n    state: active\n    autoRenew: true\n"
    state = load_specs([write(tmp_path / "a.yaml", spec("a", body))])
    assert state.subscriptions[0].id == "1000177"


def test_a_leading_zero_is_kept_not_read_as_octal(tmp_path: Path) -> None:
    body = "defaults:\n  customerId: 0123\nsubscriptions:\n  - id: 010\n    state: active\n"
    body += "    autoRenew: true\n"
    state = load_specs([write(tmp_path / "a.yaml", spec("a", body))])
    assert (state.subscriptions[0].id, state.subscriptions[0].customerId) == ("010", "0123")


def test_several_documents_in_one_file(tmp_path: Path) -> None:
    text = (
        spec("one", 'subscriptions:\n  - id: "1"\n    state: active\n    autoRenew: true\n')
        + "---\n"
        + spec("two", 'subscriptions:\n  - id: "2"\n    state: active\n    autoRenew: false\n')
    )
    state = load_specs([write(tmp_path / "multi.yml", text)])
    assert [(s.id, s.setName, s.source) for s in state.subscriptions] == [
        ("1", "one", f"{tmp_path}/multi.yml:6"),
        ("2", "two", f"{tmp_path}/multi.yml:15"),
    ]


def test_directories_are_walked_in_sorted_order(tmp_path: Path) -> None:
    layout = ["b.yaml", "a/z.yaml", "a.yml", "c/d/e.yaml", "a/b.yaml"]
    for number, name in enumerate(layout):
        body = f'subscriptions:\n  - id: "{number}"\n    state: active\n    autoRenew: true\n'
        write(tmp_path / "root" / name, spec(f"set-{number}", body))
    write(tmp_path / "root" / "notes.txt", "not yaml: [")
    write(tmp_path / "root" / ".github" / "workflows" / "ci.yml", "on: push\n")
    state = load_specs([tmp_path / "root"])
    root = f"{tmp_path}/root"
    assert state.files == (
        f"{root}/a/b.yaml",
        f"{root}/a/z.yaml",
        f"{root}/a.yml",
        f"{root}/b.yaml",
        f"{root}/c/d/e.yaml",
    )
    assert [s.id for s in state.subscriptions] == ["4", "1", "2", "0", "3"]


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    body = 'subscriptions:\n  - id: "1"\n    state: active\n    autoRenew: true\n'
    path = write(tmp_path / "a.yaml", spec("a", body))
    assert len(load_specs([tmp_path, path]).subscriptions) == 1


def test_an_anchor_may_share_a_block(tmp_path: Path) -> None:
    body = (
        "subscriptions:\n"
        '  - id: "1"\n'
        "    state: cancelled\n"
        "    cancellation: &moved\n"
        "      reason: Customer moved\n"
        '  - id: "2"\n'
        "    state: cancelled\n"
        "    cancellation: *moved\n"
    )
    state = load_specs([write(tmp_path / "a.yaml", spec("a", body))])
    reasons = [s.cancellation.reason for s in state.subscriptions if s.cancellation]
    assert reasons == ["Customer moved", "Customer moved"]


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", spec("a", 'subscriptions:\n  - id: "1"\n    state: paused\n'))
    write(
        tmp_path / "b.yaml",
        spec("b", 'subscriptions:\n  - id: "2"\n    state: active\n  - id: "3"\n    stat: x\n'),
    )
    write(tmp_path / "c.yaml", "a: [\n")
    with pytest.raises(SpecErrors) as caught:
        load_specs([tmp_path, tmp_path / "missing"])
    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        f"{tmp_path}/a.yaml:7:12: subscriptions[0].state: expected 'active' or 'cancelled', "
        "got 'paused'",
        f"{tmp_path}/b.yaml:7:12: subscriptions[0].state: state active needs autoRenew "
        "(true or false)",
        f"{tmp_path}/b.yaml:9:5: subscriptions[1]: unknown field 'stat' (did you mean 'state'?)",
        f"{tmp_path}/c.yaml:2:1: did not find expected node content "
        "(while parsing a flow node started at line 2)",
        f"{tmp_path}/missing:1:1: no spec files found under {tmp_path}/missing "
        "(no such file or directory)",
    ]


def test_the_report_counts_files_and_subscriptions_even_when_invalid(tmp_path: Path) -> None:
    body = 'subscriptions:\n  - id: "1"\n    state: active\n  - id: "2"\n    state: active\n'
    report = check_specs([write(tmp_path / "a.yaml", spec("a", body))])
    assert (report.valid, report.files, report.subscriptions) == (False, 1, 2)
    assert len(report.problems) == 2


def test_null_subscriptions_is_an_error_but_none_at_all_is_an_empty_set(tmp_path: Path) -> None:
    report = check_specs([write(tmp_path / "a.yaml", spec("a", "subscriptions:\n"))])
    assert [str(p) for p in report.problems] == [
        f"{tmp_path}/a.yaml:5:1: subscriptions: expected a list, got nothing (null)"
    ]
    assert check_specs([write(tmp_path / "b.yaml", spec("b", ""))]).valid


def test_a_document_of_another_kind_claims_no_ids(tmp_path: Path) -> None:
    body = 'subscriptions:\n  - id: "1"\n    state: active\n    autoRenew: true\n'
    write(tmp_path / "a.yaml", spec("a", body))
    write(tmp_path / "b.yaml", spec("a", body).replace("subctl/v1", "subctl/v9"))
    report = check_specs([tmp_path])
    assert [p.message for p in report.problems] == ["apiVersion must be subctl/v1, got 'subctl/v9'"]
