"""`hotline cases`: the queue, for staff without a browser."""

from __future__ import annotations

import json
import sys
import time

import click

from bot.cli.common import connect
from bot.escalation import cases


@click.group("cases")
def cases_group() -> None:
    """Escalated cases."""


@cases_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def cases_list(as_json: bool) -> None:
    """Open cases, urgent first, then oldest."""
    found = cases.open_cases(connect())
    fields = (
        "id",
        "urgency",
        "topic",
        "lang",
        "borough",
        "status",
        "assignee",
        "provider",
        "opened_at",
    )
    rows = [{f: c.get(f, "") for f in fields} for c in found]
    if as_json:
        json.dump(rows, sys.stdout)
        click.echo("")
        return
    if not rows:
        click.echo("No open cases.")
    now = time.time()
    missed = sum(cases.missed_target(c, now) for c in found)
    if missed:
        click.echo(f"{missed} urgent case(s) past the first-reply target promised to the person.")
    for row in rows:
        click.echo(
            f"{row['id']}  {row['urgency']:<7} {row['topic']:<14} {row['lang']}  "
            f"{row['borough'] or '-':<14} {row['status']} {row['assignee']}"
        )
