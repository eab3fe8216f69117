"""`hotline serve` and `hotline chat`: run the hotline, or talk to it in the terminal."""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Literal

import click

from bot import config, db
from bot.cli.common import connect, settings
from bot.cli.flows import check_new_transcript, save_transcript, transcript_step

log = logging.getLogger("hotline.serve")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the web app and an RQ worker (with an embedded Redis when REDIS_URL is unset)."""
    from werkzeug.serving import run_simple

    from bot.web.app import create_app

    # SIGTERM (from a process manager or `kill`) ends the server the way Ctrl-C does, so the
    # worker and the embedded Redis are stopped too instead of being left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    cfg = settings()
    if not cfg.redis_url:
        os.environ["REDIS_URL"] = db.embedded_url(cfg.data_dir)
        click.echo(f"Embedded Redis: {os.environ['REDIS_URL']}")
        cfg = settings()
    app = create_app()
    worker = Supervised([sys.executable, "-m", "bot.escalation.worker"])
    base = cfg.public_url.rstrip("/") or f"http://{host}:{port}"
    click.echo(
        f"Webhook URL (point your Twilio number's messaging webhook here, HTTP POST):\n"
        f"  {base}/twilio/messages"
    )
    click.echo(
        f"Staff console: {base}/console/\n"
        f"  add an account first: hotline staff add NAME --provider "
        f"{_provider_ids(cfg)[0]} --role organizer"
    )
    if cfg.local_outbox:
        click.echo("No Twilio account: messages go to the local outbox (hotline outbox list).")
    if cfg.twilio_auth_token == config.DEV_AUTH_TOKEN:
        click.echo(f"Development auth token for signing test requests: {config.DEV_AUTH_TOKEN}")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        worker.stop()
        db.stop_embedded()


def _provider_ids(cfg: config.Settings) -> list[str]:
    from bot.content import routing

    return [p.id for p in routing.load(cfg.content_dir).providers] or ["default"]


class Supervised:
    """The worker `serve` starts, restarted when it dies (with the reason in the log), so
    texts keep reaching staff."""

    CHECK_EVERY = 1.0  # seconds

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.stopping = threading.Event()
        self.process = self._start()
        threading.Thread(target=self._watch, daemon=True, name="worker-supervisor").start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command, env=os.environ.copy())

    def _watch(self) -> None:
        while not self.stopping.wait(self.CHECK_EVERY):
            code = self.process.poll()
            if code is None or self.stopping.is_set():
                continue
            why = f"killed by signal {-code}" if code < 0 else f"exited with status {code}"
            self._bury(self.process.pid)
            log.error(
                "the worker (pid %d) %s: nothing reaches staff; restarting it",
                self.process.pid,
                why,
            )
            self.process = self._start()
            log.warning("worker restarted (pid %d)", self.process.pid)

    @staticmethod
    def _bury(pid: int) -> None:
        from bot.escalation import worker

        try:
            cfg = settings()
            worker.bury(db.connect(cfg.redis_url, cfg.data_dir), pid)
        except Exception:  # Redis down too: /healthz says so by itself
            log.exception("could not register the worker's death")

    def stop(self) -> None:
        self.stopping.set()
        self.process.terminate()
        self.process.wait(timeout=30)


@click.command()
@click.option("--channel", type=click.Choice(["sms", "whatsapp"]), default="sms", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per turn.")
@click.option(
    "--save-transcript",
    "transcript",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the conversation as a transcript test in this new file.",
)
def chat(channel: Literal["sms", "whatsapp"], as_json: bool, transcript: Path | None) -> None:
    """Talk to the bot through the same engine and session store.

    Reads one message per line when standard input is not a terminal.
    """
    from bot.turn.hotline import Hotline
    from bot.turn.inbound import InboundMessage

    if transcript is not None:
        check_new_transcript(transcript)
    steps: list[dict[str, Any]] = []
    cfg = settings()
    hotline = Hotline(connect(cfg), cfg)
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
            steps.append(transcript_step(text, turn))
            if as_json:
                shown = {**turn.to_json(), "replies": outcome.texts}
                click.echo(json.dumps(shown, ensure_ascii=False))
            else:
                for text in outcome.texts:
                    click.echo(click.style(text, fg="green"))
                click.echo("")
        if transcript is not None:
            save_transcript(transcript, channel, steps)
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
