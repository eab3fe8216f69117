"""`hotline privacy`: audit what is held, and print the data inventory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from bot.cli import audit
from bot.cli.common import connect, content_dir, settings
from bot.content import bundle as content_bundle
from bot.content import routing


@click.group()
def privacy() -> None:
    """Check that nothing identifying is kept."""


@privacy.command("audit")
@click.option(
    "--log",
    "logs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A log file to scan too (repeatable).",
)
@click.option("--json", "as_json", is_flag=True)
def privacy_audit(logs: tuple[Path, ...], as_json: bool) -> None:
    """Scan every Redis key and value (and the given logs) for numbers, WhatsApp ids and free
    text outside encrypted fields. Exit 1 with what was found."""
    cfg = settings()
    r = connect(cfg)
    bundle = content_bundle.load(cfg.content_dir)
    found = audit.audit_redis(r, bundle)
    for path in logs:
        found += audit.audit_log(path)
    if as_json:
        click.echo(json.dumps({"ok": not found, "findings": found}))
    else:
        for finding in found:
            click.echo(finding)
        click.echo(
            f"{len(found)} finding(s)."
            if found
            else "Nothing identifying found in Redis" + (" or the logs." if logs else ".")
        )
    sys.exit(1 if found else 0)


@privacy.command("inventory")
def privacy_inventory() -> None:
    """Print the data inventory (docs/privacy.md) from the code's constants."""
    click.echo(audit.inventory_markdown(routing.load(content_dir())), nl=False)
