"""``.pre-commit-hooks.yaml``: other repositories run ``subctl validate`` on their specs."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import click
import yaml
from click.testing import CliRunner

from controller.cli import main
from tests.gitops.workflows import HOOKS, ROOT


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = hooks
    assert isinstance(hook, dict)
    return hook


def test_hook_names_an_existing_command() -> None:
    hook = _hook()
    assert hook["id"] == "subctl-validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    program, command = shlex.split(hook["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[program] == "controller.cli:main"
    assert isinstance(main, click.Group)
    assert command in main.commands


def test_hook_files_pattern() -> None:
    pattern = re.compile(_hook()["files"])
    for path in ("specs/acme.yaml", "specs/team/b.yml"):
        assert pattern.search(path), path
    for path in ("docs/acme.yaml", "specs/readme.md", "myspecs/a.yaml", "specs/a.yaml.bak"):
        assert not pattern.search(path), path


def test_hook_entry_runs_on_filenames(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "apiVersion: subctl/v1\nkind: SubscriptionSet\nmetadata: {name: a}\n"
        "subscriptions:\n  - {id: '1', state: active, autoRenew: true}\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("autoRenew: true", "autoRenew: maybe"))
    _, command = shlex.split(_hook()["entry"])
    runner = CliRunner()
    assert runner.invoke(main, [command, str(good)]).exit_code == 0
    failed = runner.invoke(main, [command, str(good), str(bad)])
    assert failed.exit_code == 1
    assert "bad.yaml:5:" in failed.stderr
