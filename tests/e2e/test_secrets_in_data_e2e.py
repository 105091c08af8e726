"""A marketplace that echoes the credentials inside its data never gets them printed.

Issue 16's rule (controller/redact.py): every output and file subctl writes is masked.
``subctl show`` printed live text straight to the terminal and ``subctl status`` wrote it
into the page unmasked, so a subscription whose name quoted the password or the key (a
server echoing what it was sent) showed them; plan and export were already masked.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import StartServer
from tests.e2e.harness import KEY, PASSWORD, sub, subctl, write_specs

# '<&>' is escaped in the status page's HTML; the values around it must still be masked.
NAME = f"Care {PASSWORD} <&> {KEY}"


def _leaks(text: str) -> list[str]:
    return [name for name, value in (("password", PASSWORD), ("key", KEY)) if value in text]


def test_live_data_echoing_credentials_is_masked_in_every_output(
    sandbox: StartServer, tmp_path: Path
) -> None:
    server = sandbox({"subscriptions": [sub("3000000", name=NAME)]})
    specs = write_specs(
        tmp_path / "specs", "acme", [{"id": "3000000", "state": "active", "autoRenew": True}]
    )
    page = tmp_path / "page"
    for args in (
        ("show", "3000000", str(specs)),
        ("show", "3000000", "--format", "json"),
        ("plan", str(specs)),
        ("export",),
        ("status", str(specs), "--html", str(page)),
    ):
        result = subctl(server, *args)
        assert result.code == 0, result.stderr
        assert _leaks(result.stdout + result.stderr) == [], args
    shown = subctl(server, "show", "3000000").stdout
    assert "Care ***" in shown  # masked, not dropped
    html = (page / "index.html").read_text(encoding="utf-8")
    assert "Care ***" in html
    assert _leaks(html) == []
