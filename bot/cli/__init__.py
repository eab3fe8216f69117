"""The `hotline` command: one group, one module per area."""

from __future__ import annotations

import click

from bot.cli.cases import cases_group
from bot.cli.flows import flows
from bot.cli.intent import flows_try
from bot.cli.outbox import outbox_group
from bot.cli.privacy import privacy
from bot.cli.reports import reports_command
from bot.cli.serve import chat, serve
from bot.cli.staff import staff
from bot.cli.translations import translations_group


@click.group()
def main() -> None:
    """The New York rights hotline."""


flows.add_command(flows_try)
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
main.add_command(reports_command)
