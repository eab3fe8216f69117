"""`hotline staff`: console accounts."""

from __future__ import annotations

import click

from bot.cli.common import connect
from bot.web.console import staff as accounts


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
        accounts.add(connect(), name, password, provider, role)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from None
    click.echo(f"Account {name!r} ({role}, {provider}) is ready: log in at /console/login")
