"""The `hotline` command: one group, one module per area."""

from __future__ import annotations

import click

from bot.cli.cases import cases_group
from bot.cli.flows import flows
from bot.cli.outbox import outbox_group
from bot.cli.privacy import privacy
from bot.cli.serve import chat, serve
from bot.cli.staff import staff
from bot.cli.translations import translations_group


@click.group()
def main() -> None:
    """The New York rights hotline."""


for command in (
    serve,
    chat,
    flows,
    translations_group,
    staff,
    cases_group,
    privacy,
    outbox_group,
):
    main.add_command(command)
