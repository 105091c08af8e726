"""``subctl --help`` and every command's ``--help`` stay fast: the command line imports
only click and the light option modules; a verb's body (httpx, anyio, pydantic, jinja2,
apprise, uvicorn...) loads only when that verb runs (the lazy imports in cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("httpx", "anyio", "pydantic", "jinja2", "apprise", "rich", "yaml", "uvicorn", "starlette")
VERBS = ("validate", "schema", "plan", "apply", "show", "export", "status", "notify", "sandbox")

PROGRAM = """
import sys
from controller.cli import main
for args in [["--help"], *([verb, "--help"] for verb in sys.argv[1:])]:
    try:
        main(args, prog_name="subctl")
    except SystemExit as done:
        assert done.code == 0, (args, done.code)
print("\\n".join(sorted(sys.modules)), file=sys.stderr)
"""


def test_help_of_every_command_loads_no_body() -> None:
    argv = [sys.executable, "-c", PROGRAM, *VERBS]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Usage: subctl status [OPTIONS] PATHS..." in done.stdout
    loaded = done.stderr.split()
    assert "controller.cli" in loaded
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    assert heavy == []
    bodies = [
        m
        for m in loaded
        if m.startswith("controller.commands.") and m != "controller.commands.options"
    ]
    assert bodies == []
