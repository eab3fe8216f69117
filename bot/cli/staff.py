"""`hotline staff`: console accounts, their second factor and their sessions."""

from __future__ import annotations

from typing import Any

import click

from bot import config
from bot.cli.common import connect, fail
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


def _print_enrollment(enrollment: accounts.Enrollment) -> None:
    click.echo("Second factor: add this to an authenticator app (the console also shows it as a")
    click.echo("QR code at the first login):")
    click.echo(f"  {enrollment.uri}")
    click.echo("Backup codes, each good once (keep them somewhere safe; only hashes are kept):")
    for code in enrollment.backup_codes:
        click.echo(f"  {code}")


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
    """Create a console account (or replace one), with its second factor."""
    try:
        enrollment = accounts.add(connect(), name, password, provider, role)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from None
    click.echo(f"Account {name!r} ({role}, {provider}) is ready: log in at /console/login")
    _print_enrollment(enrollment)


@staff.command("list")
def staff_list() -> None:
    """Every account: name, role, provider, whether the second factor is set up."""
    r = connect()
    for account in accounts.names(r):
        second = "enrolled" if accounts.enrolled(r, account.name) else "not yet enrolled"
        click.echo(f"{account.name}\t{account.role}\t{account.provider}\t{second}")


@staff.command("remove")
@click.argument("name")
def staff_remove(name: str) -> None:
    """Remove an account; its open sessions end at once."""
    if not accounts.remove(connect(), name):
        fail(f"no account named {name!r}")
    click.echo(f"Account {name!r} removed; its sessions are ended.")


@staff.command("reset")
@click.argument("name")
@click.password_option(help="The new password (10 characters or more).")
def staff_reset(name: str, password: str) -> None:
    """A new password and a new second factor; every session of the account ends."""
    try:
        enrollment = accounts.reset(connect(), name, password)
    except KeyError:
        fail(f"no account named {name!r}")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from None
    click.echo(f"Account {name!r} reset; its sessions are ended.")
    _print_enrollment(enrollment)
