"""`hotline staff` and `hotline cases`: accounts and the queue, for staff without a browser."""

from __future__ import annotations

import json
import sys

import click

from bot import config, db
from bot.escalation import cases
from bot.web.console import staff as accounts


def _redis():  # type: ignore[no-untyped-def]
    settings = config.load()
    return db.connect(settings["REDIS_URL"], settings["HOTLINE_DATA_DIR"])


@click.group()
def staff() -> None:
    """Console accounts."""


@staff.command("add")
@click.argument("name")
@click.option("--provider", required=True, help="The provider id in flows/routing.yaml.")
@click.option(
    "--role", type=click.Choice(["staff", "organizer"]), default="staff", show_default=True
)
@click.password_option(help="Prompted for when not given (10 characters or more).")
def staff_add(name: str, provider: str, role: str, password: str) -> None:
    """Create or reset a console account."""
    try:
        accounts.add(_redis(), name, password, provider, role)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from None
    click.echo(f"Account {name!r} ({role}, {provider}) is ready: log in at /console/login")


@click.group("cases")
def cases_group() -> None:
    """Escalated cases."""


@cases_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def cases_list(as_json: bool) -> None:
    """Open cases, urgent first, then oldest."""
    found = cases.open_cases(_redis())
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
    for row in rows:
        click.echo(
            f"{row['id']}  {row['urgency']:<7} {row['topic']:<14} {row['lang']}  "
            f"{row['borough'] or '-':<14} {row['status']} {row['assignee']}"
        )
