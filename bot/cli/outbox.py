"""`hotline outbox`: the messages the hotline sent into its local outbox (development without
a Twilio account), numbers masked."""

from __future__ import annotations

import json
import sys

import click

from bot.cli.common import connect, settings
from bot.escalation import local_outbox


@click.group("outbox")
def outbox_group() -> None:
    """The local outbox (development without a Twilio account)."""


@outbox_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON list of messages.")
def outbox_list(as_json: bool) -> None:
    """Messages sent into the local outbox, newest first: masked number, body, time, status."""
    cfg = settings()
    found = local_outbox.messages(cfg, connect(cfg))
    if as_json:
        json.dump(found, sys.stdout, ensure_ascii=False)
        click.echo("")
        return
    if not cfg.local_outbox:
        click.echo("Twilio is configured: messages go to Twilio, not to the local outbox.")
    if not found:
        click.echo("The local outbox is empty.")
    for message in found:
        click.echo(f"{message['to']}  {message['status']:<10} {message['body']}")
