"""The static HTML status page (``subctl status --html DIR``, issue 14).

Read-only, beside plan: observe live state, plan against the specs (nothing is
written to the marketplace), read the journal, then ``model.py`` computes what the
page shows and ``render.py`` lays it out with the Jinja2 templates in ``templates/``
(autoescaped; CSS and the SVG chart inline, no script, no CDN: the page works offline
from file://). The command is controller/commands/status.py.
"""
