"""The console's Reports page, for organizers: the same suppressed numbers as `hotline reports`,
charts drawn on the server as SVG (pygal, no script, no third-party CDN), and CSV."""

from __future__ import annotations

import csv
import io
import re
import sys
from datetime import date, timedelta
from typing import Any

from flask import Response, abort, g, render_template, request
from markupsafe import Markup

from bot import reports
from bot.web.console.views import bp, login_required
from bot.web.state import get_redis, settings

SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
CHARTS = (  # (title, the cells' group)
    ("Conversations started, by language", "conv.lang"),
    ("Conversations started, by channel", "conv.channel"),
    ("Cases opened, by urgency", "urgency"),
    ("Time to claim", "claim.within"),
    ("Time to the first staff reply", "reply.within"),
)


def _asked() -> dict[str, Any]:
    if g.staff.role != "organizer":
        abort(403)
    grain = request.args.get("by", "week")
    if grain not in reports.GRAINS:
        abort(400)
    try:
        until = date.fromisoformat(request.args["until"]) if "until" in request.args else None
        since = date.fromisoformat(request.args["since"]) if "since" in request.args else None
    except ValueError:
        abort(400)
    last = until or reports.today()
    first = since or last - timedelta(days=90 if grain == "month" else 28)
    return reports.report(get_redis(), first, last, grain, settings().reports_threshold)


def _pygal() -> Any:
    """pygal, imported when a chart is drawn. It adds an import hook (for its optional map
    plugins) without find_spec, which makes every later import warn; the hotline uses no
    plugin, so the hook is taken out again at once."""
    import pygal
    import pygal.style

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def chart(title: str, group: str, found: dict[str, Any]) -> Markup:
    """A stacked bar per period; a suppressed cell is drawn as nothing (and listed below)."""
    pygal = _pygal()
    bars = pygal.StackedBar(
        js=[],  # pygal's default loads a script from a CDN: none here
        disable_xml_declaration=True,
        width=720,
        height=300,
        legend_at_bottom=True,
        title=title,
        style=pygal.style.CleanStyle,
    )
    bars.x_labels = [row["period"] for row in found["periods"]]
    values = sorted(
        {
            c.split(":", 1)[1]
            for row in found["periods"]
            for c in row["cells"]
            if c.startswith(group + ":")
        }
        - {"*"}
    )
    for value in values:
        counts = [row["cells"].get(f"{group}:{value}") for row in found["periods"]]
        bars.add(value, [n if isinstance(n, int) else None for n in counts])
    svg = SCRIPT.sub("", bars.render(is_unicode=True))  # its config for pygal.js: not used
    return Markup(svg)  # noqa: S704  pygal escapes the labels, which come from closed sets


@bp.get("/reports")
@login_required
def reports_view() -> Any:
    found = _asked()
    charts = [chart(title, group, found) for title, group in CHARTS]
    return render_template("console/reports.html", report=found, charts=charts)


@bp.get("/reports.csv")
@login_required
def reports_csv() -> Any:
    found = _asked()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "cell", "count"])
    for row in found["periods"]:
        for cell, count in row["cells"].items():
            writer.writerow([row["period"], cell, count])
    for month in found["accountability"]:
        for cell in month["cells"]:
            label = f"accountability:{cell['agency']}|{cell['kind']}|{cell['place']}"
            writer.writerow([month["month"], label, cell["count"]])
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8")
