"""Regenerate the README's "Day 2" screenshots (docs/images/*.png) with headless Chromium.

Run from the repository root with the dev environment: ``.venv/bin/python
scripts/readme_screenshots.py``. Works in a temporary folder against the embedded
sandbox and the example specs (never a real marketplace): the text plan as a terminal
shows it (rich's HTML export), the pull-request comment (the markdown plan rendered the
way GitHub does, roughly), and the status page after one apply.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import markdown  # installed with apprise
from rich.console import Console
from rich.text import Text

from controller.plan.model import Plan
from controller.report.render import render_plan

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1",
]  # fmt: skip
GITHUB_CSS = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1f2328;
  margin: 16px; max-width: 900px; }
.comment { border: 1px solid #d1d9e0; border-radius: 6px; }
.comment-head { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
  color: #59636e; }
.comment-body { padding: 8px 16px; }
h3 { font-size: 16px; } table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 4px 10px; text-align: left; }
th { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 4px; padding: 1px 4px; font-size: 12px; }
details { margin: 8px 0; } summary { cursor: pointer; font-weight: 600; }
"""


def subctl(cwd: Path, *args: str) -> str:
    env = {**os.environ, "SUBCTL_API_URL": "sandbox", "PYTHONPATH": str(ROOT)}
    env.pop("CI", None)
    proc = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "controller", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode not in (0, 2):
        raise SystemExit(f"subctl {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
    return proc.stdout


def shoot(html: Path, png: Path, width: int, height: int, work: Path) -> None:
    subprocess.run(  # noqa: S603 - Debian's chromium, fixed flags
        [CHROMIUM, *FLAGS, f"--user-data-dir={work / 'profile'}",
         f"--window-size={width},{height}", f"--screenshot={png}", html.as_uri()],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    print(f"{png.relative_to(ROOT)}: {png.stat().st_size // 1024} KB")


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copytree(ROOT / "specs", work / "specs")
        plan = Plan.from_json(subctl(work, "plan", "specs/", "--format", "json"))
        console = Console(
            record=True, width=128, file=io.StringIO(), force_terminal=True,
            color_system="truecolor",
        )  # fmt: skip
        console.print(Text.from_ansi(render_plan(plan, "text", rich=True, width=128)))
        (work / "plan.html").write_text(console.export_html(), encoding="utf-8")
        shoot(work / "plan.html", IMAGES / "plan-text.png", 1320, 560, work)

        # Folded sections shown open, their markdown rendered (as GitHub does on a click).
        comment = subctl(work, "plan", "specs/", "--format", "markdown").replace(
            "<details>", '<details open markdown="1">'
        )
        body = markdown.markdown(comment, extensions=["tables", "md_in_html"])
        page = (
            f"<!DOCTYPE html><meta charset='utf-8'><style>{GITHUB_CSS}</style>"
            "<div class='comment'><div class='comment-head'><b>github-actions</b> bot "
            f"commented</div><div class='comment-body'>{body}</div></div>"
        )
        (work / "comment.html").write_text(page, encoding="utf-8")
        shoot(work / "comment.html", IMAGES / "pr-comment.png", 940, 760, work)

        subctl(work, "apply", "specs/", "--yes")
        subctl(work, "status", "specs/", "--html", "site")
        shoot(work / "site" / "index.html", IMAGES / "status-page.png", 1200, 1640, work)


if __name__ == "__main__":
    main()
