"""`hotline reports`: the aggregate counts, with small cells suppressed and time coarsened."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, timedelta
from typing import Any

import click

from bot import reports
from bot.cli.common import connect, settings


@click.command("reports")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="One row per period and cell, as CSV.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (default: 4 weeks ago)."
)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (default: today).")
@click.option("--by", "grain", type=click.Choice(reports.GRAINS), default="week", show_default=True)
def reports_command(
    as_json: bool, as_csv: bool, since: Any, until: Any, grain: reports.Grain
) -> None:
    """Conversations, topics, cases and accountability reports per day, week or month. Whole
    periods only; cells under HOTLINE_REPORTS_THRESHOLD show as "<N"."""
    cfg = settings()
    last: date = until.date() if until else reports.today()
    first: date = since.date() if since else last - timedelta(days=28)
    found = reports.report(connect(cfg), first, last, grain, cfg.reports_threshold)
    if as_json:
        json.dump(found, sys.stdout, indent=1)
        click.echo("")
    elif as_csv:
        out = csv.writer(sys.stdout)
        out.writerow(["period", "cell", "count"])
        for row in found["periods"]:
            for cell, count in row["cells"].items():
                out.writerow([row["period"], cell, count])
    else:
        _print(found)


def _print(found: dict[str, Any]) -> None:
    click.echo(f"{found['since']} to {found['until']}, by {found['grain']}")
    for row in found["periods"]:
        click.echo(f"\n{row['period']}")
        for cell, count in row["cells"].items():
            click.echo(f"  {cell:<40} {count}")
    for month in found["accountability"]:
        click.echo(f"\naccountability {month['month']}: {month['total']} reports")
        for cell in month["cells"]:
            click.echo(
                f"  {cell['agency']:<14} {cell['kind']:<28} {cell['place']:<14} {cell['count']}"
            )
