"""The `hotline` command: serve, chat in the terminal, check flows."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from bot import config
from bot.cli import organizer as organizer_cli
from bot.content import files as flowfiles


@click.group()
def main() -> None:
    """The New York rights hotline."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web app and an RQ worker (with an embedded Redis when REDIS_URL is unset)."""
    from werkzeug.serving import run_simple

    from bot import db
    from bot.web.app import create_app

    # SIGTERM (from a process manager or `kill`) ends the server the way Ctrl-C does, so the
    # worker and the embedded Redis are stopped too instead of being left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    settings = config.load()
    if not settings["REDIS_URL"]:
        os.environ["REDIS_URL"] = db.embedded_url(settings["HOTLINE_DATA_DIR"])
        click.echo(f"Embedded Redis: {os.environ['REDIS_URL']}")
    app = create_app()
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot.escalation.worker"], env=os.environ.copy()
    )
    base = settings["HOTLINE_PUBLIC_URL"].rstrip("/") or f"http://{host}:{port}"
    click.echo(
        f"Webhook URL (point your Twilio number's messaging webhook here, HTTP POST):\n"
        f"  {base}/twilio/messages"
    )
    if settings["TWILIO_AUTH_TOKEN"] == config.DEV_AUTH_TOKEN:
        click.echo(f"Development auth token for signing test requests: {config.DEV_AUTH_TOKEN}")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        db.stop_embedded()


@main.command()
@click.option("--channel", type=click.Choice(["sms", "whatsapp"]), default="sms", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per turn.")
@click.option(
    "--save-transcript",
    "transcript",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the conversation as a transcript test in this new file.",
)
def chat(channel: str, as_json: bool, transcript: Path | None) -> None:
    """Talk to the bot through the same engine and session store.

    Reads one message per line when standard input is not a terminal.
    """
    from bot import db
    from bot.turn.hotline import Hotline
    from bot.turn.inbound import InboundMessage

    if transcript is not None:
        organizer_cli.check_new_transcript(transcript)
    steps: list[dict[str, Any]] = []
    settings = config.load()
    r = db.connect(settings["REDIS_URL"], settings["HOTLINE_DATA_DIR"])
    hotline = Hotline(r, settings)
    # A fresh, random address per chat: every run is a new person, and nothing is left behind.
    address = ("whatsapp:" if channel == "whatsapp" else "") + "chat-" + secrets.token_hex(8)
    interactive = sys.stdin.isatty()
    if interactive and not as_json:
        click.echo("Type a message (Ctrl-D to quit).")
    try:
        for number, line in enumerate(_lines(interactive), start=1):
            text = line.rstrip("\n")
            msg = InboundMessage(channel, address, text, 0, f"{address}-{number}", "chat")
            outcome = hotline.handle(msg)
            turn = outcome.turn
            assert turn is not None  # every chat line has its own sid
            steps.append(organizer_cli.transcript_step(text, turn))
            if as_json:
                click.echo(json.dumps(_turn_json(turn, outcome.texts), ensure_ascii=False))
            else:
                for text in outcome.texts:
                    click.echo(click.style(text, fg="green"))
                click.echo("")
        if transcript is not None:
            organizer_cli.save_transcript(transcript, channel, steps)
            click.echo(
                f"Saved {len(steps)} step(s) to {transcript}. Run it: hotline flows test "
                f"{transcript}",
                err=True,
            )
    finally:
        hotline.forget(address)


def _lines(interactive: bool) -> Any:
    if not interactive:
        yield from sys.stdin
        return
    while True:
        try:
            yield click.prompt("you", prompt_suffix="> ")
        except (EOFError, click.Abort):
            return


def _turn_json(turn: Any, texts: list[str]) -> dict[str, Any]:
    session = turn.session
    return {
        "replies": texts,
        "keys": [reply.key for reply in turn.replies],
        "language": session.lang if session else None,
        "node": session.node if session else None,
        "events": [event.to_json() for event in turn.events],
        "fallbacks": [reply.key for reply in turn.replies if reply.fallback],
    }


@main.group()
def flows() -> None:
    """Check the flow and locale files."""


@flows.command("check")
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print {ok, errors, warnings} as JSON.")
def flows_check(path: Path | None, as_json: bool) -> None:
    """Validate flows/ and locales/ under PATH (default: the configured content folder)."""
    root = path or Path(config.load()["HOTLINE_CONTENT_DIR"])
    bundle, problems = flowfiles.check(root)
    if as_json:
        report = organizer_cli.check_report(bundle is not None, problems)
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        sys.exit(0 if bundle is not None else 1)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    if bundle is None:
        click.echo(f"{errors} error(s): the files are refused.", err=True)
        sys.exit(1)
    click.echo(
        f"OK: {len(bundle.nodes)} nodes, {len(bundle.locales)} languages, "
        f"{len(problems)} warning(s)."
    )


def _register() -> None:
    from bot.cli.privacy import privacy
    from bot.cli.staff import cases_group, staff

    main.add_command(staff)
    main.add_command(cases_group)
    main.add_command(privacy)
    organizer_cli.register(main, flows)


_register()

if __name__ == "__main__":
    main()
