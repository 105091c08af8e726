"""The status page in a real browser: a seeded loopback sandbox, one apply (so the
journal has a run), ``subctl status --html``, then Debian's headless Chromium loads the
page from file:// (offline) for DOM assertions and a screenshot in the test artifacts
(.subctl/test-artifacts/status.png). ``make test`` installs chromium when it can."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import StartServer
from tests.e2e.harness import order, sub, subctl, write_specs
from tests.support.served import ROOT

ARTIFACTS = ROOT / ".subctl" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]  # fmt: skip
SOON = (dt.date.today() + dt.timedelta(days=10)).isoformat()
OLD = "2026-01-01T00:00:00Z"

SEED: dict[str, Any] = {
    "subscriptions": [
        sub("501", price="120.00", expiry=SOON),
        sub("502", renew=False, price="12.00", period="month", expiry=SOON),
        sub("503", customer="2000", price="30.00", name="<b>bold</b> & co"),
        sub("504", customer="2000"),
        sub("505", customer="3000"),
    ],
    "orders": [order("9505", "505", code="AP", created=OLD, customer="3000")],
}
ACTIVE = {"state": "active", "autoRenew": True}
CANCEL = {"state": "cancelled", "cancellation": {"reason": "Customer moved away"}}


def _chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp / "chromium-profile"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed and could not be (make test installs it as root: "
    "apt-get install chromium)",
)
def test_status_page_in_headless_chromium(sandbox: StartServer, tmp_path: Path) -> None:
    server = sandbox(SEED)
    specs = write_specs(
        tmp_path / "specs",
        "watched",
        [
            {"id": "501", **ACTIVE},
            {"id": "502", **ACTIVE},  # auto-renew off live: apply turns it on
            {"id": "503", **ACTIVE},
            {"id": "504", **ACTIVE},
            {"id": "505", **CANCEL},
        ],
    )
    applied = subctl(server, "apply", str(specs), "--yes", "--journal", "journal.jsonl")
    assert applied.code == 0, applied.stderr
    made = subctl(server, "status", str(specs), "--html", "site", "--journal", "journal.jsonl")
    assert made.code == 0, made.stderr
    page = (tmp_path / "site" / "index.html").resolve()
    url = page.as_uri()

    dom = _chromium("--dump-dom", url, tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    customers = re.findall(r'<section class="customer" id="customer-(\w+)"', html)
    assert customers == ["1000275", "2000", "3000"]
    rows = re.findall(r'<tr class="sub status-([\w-]+)" data-subscription="(\d+)"', html)
    assert sorted(sid for _, sid in rows) == ["501", "502", "503", "504", "505"]
    assert ("in-progress", "505") in rows  # its cancellation is at the vendor
    # 501 and 502 renew in 10 days; 502 is monthly, so twice more within 90 days.
    entries = re.findall(r'data-date="([\d-]+)" data-subscription="(\d+)"', html)
    assert (SOON, "501") in entries
    assert [d for d, s in entries if s == "502"][:1] == [SOON]
    assert len([s for _, s in entries if s == "502"]) >= 3
    assert re.search(r'<figure class="chart" data-currency="GBP">\s*<svg', html)
    assert len(re.findall(r'<g class="bar"', html)) == 12
    assert 'data-order="SO009505"' in html
    assert re.search(r'<tr class="order stuck" data-order="SO009505"', html)
    assert re.search(r'<tr class="run">', html)  # the apply above, from the journal
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html  # live name, escaped
    assert "<b>bold</b>" not in html

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "status.png"
    shot.unlink(missing_ok=True)
    taken = _chromium("--window-size=1280,2000", f"--screenshot={shot}", url, tmp=tmp_path)
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
