"""The status page's HTML: Jinja2 templates from this package, autoescaped.

The templates (``templates/*.j2``, packaged through pyproject's package-data) get a
``StatusPage`` (model.py) and nothing else. Autoescape is on for every template and
undefined names are errors: live data (names, currencies, order numbers) comes from the
marketplace and is escaped, never trusted. One self-contained file is written: CSS and
the SVG chart are inline, so the page opens offline from file:// and as a CI artifact.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import jinja2

from controller.redact import redact
from controller.status.model import StatusPage

CHART_HEIGHT = 160  # px of the tallest bar


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("controller.status", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yesno"] = lambda v: "—" if v is None else ("on" if v else "off")
    env.filters["date"] = lambda d: d.isoformat() if isinstance(d, dt.date) else "—"
    env.filters["bar_height"] = lambda amount, peak: (
        0 if not peak else round(float(Decimal(amount) / Decimal(peak)) * CHART_HEIGHT, 1)
    )
    return env


def render(page: StatusPage) -> str:
    return _env().get_template("index.html.j2").render(page=page, chart_height=CHART_HEIGHT)


def write(page: StatusPage, folder: Path) -> Path:
    """Write ``folder/index.html`` (atomically: a reader never sees half a page)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    tmp = path.with_name(".index.html.tmp")
    # Live text (a name, an error) may quote a secret a server echoed: masked like every
    # other file subctl writes (controller/redact.py).
    tmp.write_text(redact(render(page)), encoding="utf-8")
    tmp.replace(path)
    return path
