"""Transcript tests organizers write: a conversation of `user:` lines and what the bot must do.

A transcript file (tests/transcripts/**/*.yaml):

    channel: sms            # or whatsapp
    steps:
      - user: hola
        expect: [welcome, menu.main]   # message keys, in order
        language: es                   # optional: the session's language after the turn
        node: menu                     # optional: the node waiting after the turn
        events: [language_changed]     # optional: event types that must be among the turn's
        says: "Responda"               # optional: text that must appear in the replies
        media: 1                       # optional: pictures or voice notes sent with the text
        location: true                 # optional: a WhatsApp location pin
        forwarded: true                # optional: WhatsApp marked it forwarded
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from bot.content import intake
from bot.content.yamlfile import read_yaml
from bot.engine import Bundle, Session, advance

_UNSET: Any = object()


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str
    expect: list[str] | None = None
    language: str | None = _UNSET
    node: str | None = _UNSET
    events: list[str] = []
    no_events: list[str] = []
    says: str | None = None
    media: int = 0  # pictures, voice notes... sent with the text (Twilio's NumMedia)
    location: bool = False  # a WhatsApp location pin
    forwarded: bool = False  # WhatsApp marked the message forwarded

    @field_validator("user", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value


class Transcript(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str = "sms"
    steps: list[Step]


@dataclass(frozen=True)
class Failure:
    step: int
    user: str
    what: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        return (
            f"step {self.step} ({self.user!r}): {self.what}\n"
            f"  expected: {self.expected}\n  got:      {self.got}"
        )


def load(path: Path) -> Transcript:
    data, problems = read_yaml(path, str(path))
    if problems or data is None:
        raise ValueError("; ".join(map(str, problems)))
    return Transcript.model_validate(data)


def run(bundle: Bundle, transcript: Transcript, detect: Any) -> list[Failure]:
    """Play the transcript through the engine; every mismatch is a Failure."""
    session: Session | None = None
    ids = itertools.count(1)
    failures: list[Failure] = []
    for number, step in enumerate(transcript.steps, start=1):
        detection = detect(step.user) if step.user.strip() else None
        inbound = intake.inbound(
            step.user,
            detection,
            transcript.channel,  # type: ignore[arg-type]
            media=step.media,
            location=step.location,
            forwarded=step.forwarded,
        )
        turn = advance(bundle, session, inbound, lambda: f"CASE{next(ids)}")
        session = turn.session
        keys = [reply.key for reply in turn.replies]
        types = [event.type for event in turn.events]

        def fail(what: str, expected: Any, got: Any, n: int = number, u: str = step.user) -> None:
            failures.append(Failure(n, u, what, expected, got))

        if step.expect is not None and keys != step.expect:
            fail("message keys", step.expect, keys)
        if step.language is not _UNSET and (session.lang if session else None) != step.language:
            fail("language", step.language, session.lang if session else None)
        if step.node is not _UNSET and (session.node if session else None) != step.node:
            fail("node", step.node, session.node if session else None)
        missing = [e for e in step.events if e not in types]
        if missing:
            fail("events", step.events, types)
        unwanted = [e for e in step.no_events if e in types]
        if unwanted:
            fail("events that must not happen", f"none of {step.no_events}", types)
        text = "\n".join(reply.text for reply in turn.replies)
        if step.says is not None and step.says not in text:
            fail("text", step.says, text)
    return failures
