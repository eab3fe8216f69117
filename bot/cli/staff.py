"""`hotline staff`: console accounts."""

from __future__ import annotations

from typing import Any

import click

from bot import config
from bot.cli.common import connect
from bot.web.console import staff as accounts


@click.group()
def staff() -> None:
    """Console accounts."""


class ProviderId(click.Choice):  # type: ignore[type-arg]
    """The provider ids in flows/routing.yaml, read when the command runs (or shows --help)."""

    def __init__(self) -> None:
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        from bot.content import routing

        try:
            return [p.id for p in routing.load(config.load().content_dir).providers]
        except Exception:  # a broken routing file or setting: `hotline flows check` says why
            return []

    @choices.setter
    def choices(self, _value: Any) -> None:
        pass


@staff.command("add")
@click.argument("name")
@click.option(
    "--provider",
    required=True,
    type=ProviderId(),
    help="The provider (an id in flows/routing.yaml) whose cases this account sees.",
)
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
