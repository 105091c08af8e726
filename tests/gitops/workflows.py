"""Reading the repository's GitHub workflows and pre-commit hooks as data, for tests."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
NAMES = ("ci.yml", "plan.yml", "reconcile.yml")
_CONTINUED = re.compile(r"\\\n\s*")


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def steps(workflow: dict[Any, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(job id, step) for every step of every job, in order."""
    return [
        (job_id, step) for job_id, job in workflow["jobs"].items() for step in job.get("steps", [])
    ]


def subctl_commands(workflow: dict[Any, Any]) -> list[list[str]]:
    """Every ``subctl ...`` line of the run scripts, split, shell redirections dropped."""
    found: list[list[str]] = []
    for _, step in steps(workflow):
        script = _CONTINUED.sub(" ", step.get("run", ""))
        for line in script.splitlines():
            words = shlex.split(line.strip(), comments=True)
            if words[:1] == ["subctl"]:
                cut = next((i for i, w in enumerate(words) if w.startswith(">")), len(words))
                found.append(words[1:cut])
    return found
