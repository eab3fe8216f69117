"""`hotline staff`: console accounts, their second factor, their sessions, and what each
organizer may review."""

from __future__ import annotations

from typing import Any

import click

from bot import config
from bot.cli.common import connect, content_dir, fail
from bot.content import review
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
@click.option(
    "--reviews",
    default="",
    metavar="CODES",
    help="Organizers: what they may approve in the console's Texts page, comma-separated "
    "language codes (es,fr) and `facts` (review dates in flows/).",
)
@click.password_option(help="Prompted for when not given (10 characters or more).")
def staff_add(name: str, provider: str, role: str, reviews: str, password: str) -> None:
    """Create a console account (or replace one), with its second factor."""
    scopes = _scopes([c for c in reviews.replace(" ", ",").split(",") if c], "--reviews")
    try:
        enrollment = accounts.add(connect(), name, password, provider, role, scopes)  # type: ignore[arg-type]
    except ValueError as exc:
        hint = "--reviews" if "review" in str(exc) else "--password"
        raise click.BadParameter(str(exc), param_hint=hint) from None
    click.echo(f"Account {name!r} ({role}, {provider}) is ready: log in at /console/login")
    if scopes:
        click.echo(f"Reviews: {', '.join(scopes)}")
    _print_enrollment(enrollment)


def _scopes(codes: list[str], hint: str) -> list[str]:
    """The codes, each a language of locales/ (English is the source, not reviewed here) or
    `facts`; a usage error naming the ones that are not."""
    known = review.scopes(content_dir())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)}: not a language to review here; choose from {', '.join(known)}",
            param_hint=hint,
        )
    return sorted(set(codes))


@staff.command("reviews")
@click.argument("name")
@click.argument("codes", nargs=-1)
@click.option("--none", "clear", is_flag=True, help="Take every reviewer role away.")
def staff_reviews(name: str, codes: tuple[str, ...], clear: bool) -> None:
    """Show or set what an organizer may approve: language codes and `facts`.

    `hotline staff reviews ana es fr` gives ana the reviewer role for Spanish and French (and
    only those); without CODES it shows them. A proposal always needs a second person.
    """
    r = connect()
    account = accounts.get(r, name)
    if account is None:
        fail(f"no account named {name!r}")
    if codes or clear:
        scopes = [] if clear else _scopes(list(codes), "CODES")
        try:
            account = accounts.set_reviews(r, name, scopes)
        except ValueError as exc:
            fail(str(exc))
    shown = ", ".join(sorted(account.reviews)) or "nothing"
    click.echo(f"{name} reviews: {shown}")


@staff.command("list")
def staff_list() -> None:
    """Every account: name, role, provider, whether the second factor is set up."""
    r = connect()
    for account in accounts.names(r):
        second = "enrolled" if accounts.enrolled(r, account.name) else "not yet enrolled"
        reviews = f"\treviews {','.join(sorted(account.reviews))}" if account.reviews else ""
        click.echo(f"{account.name}\t{account.role}\t{account.provider}\t{second}{reviews}")


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
