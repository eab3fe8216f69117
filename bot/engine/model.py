"""The engine's data: flows, locales and the bundle that joins them; sessions; one turn's result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.engine.text import PLACEHOLDER, fill

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Frozen = TypeVar("_Frozen", bound="DataclassInstance")

SPEC_VERSION = 1
COMMANDS = ("stop", "start", "delete", "help", "menu", "lang", "more")
Urgency = Literal["urgent", "high", "normal"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Option(_Spec):
    """One numbered choice at a node: a number, translated match words, or both."""

    number: int | None = Field(default=None, ge=0, le=99)
    words: str | None = None
    go: str
    set: dict[str, str] = {}


class Escalate(_Spec):
    """Open a case for legal-service staff when a person reaches this node."""

    topic: str
    urgency: Urgency = "normal"


class Switch(_Spec):
    """Jump by the value of a session variable: ask a question once, use the answer after."""

    var: str
    cases: dict[str, str]
    default: str


class Node(_Spec):
    """A step of the conversation: what to say, what to remember, where to go next."""

    say: list[str] = []
    prompt: str | None = None
    options: list[Option] = []
    go: str | None = None
    switch: Switch | None = None
    set: dict[str, str] = {}
    escalate: Escalate | None = None
    end: bool = False
    urgent: bool = False
    # A first text that reaches this node with a photo or file goes to this node instead (a
    # photo of a paper: the answer, then the offer of a person to look at it).
    with_media: str | None = None
    sources: list[str] = []
    last_reviewed: dt.date | None = None  # the day a named person reviewed the facts
    reviewed_by: str | None = None  # that person (written by the console's two-person review)
    approved_by: str | None = None  # the second person, who approved the review

    _say_list = field_validator("say", mode="before")(_as_list)
    _sources_list = field_validator("sources", mode="before")(_as_list)


class Hours(_Spec):
    """One span of opening hours, as data: formatted in each language by its `hours.*` texts."""

    days: Literal["weekdays", "weekend"]
    open: int = Field(ge=0, le=24)
    close: int = Field(ge=0, le=24)


def format_hours(spans: tuple[Hours, ...] | list[Hours], words: Callable[[str], str]) -> str:
    """Opening hours in one language. `words(key)` gives that language's text of a key:
    `hours.weekdays`, `hours.weekend`, `hours.am` and `hours.pm` (with {h}, the hour on a
    12-hour clock, or {h24}), and `hours.span` (with {days}, {open} and {close})."""

    def clock(hour: int) -> str:
        h12 = hour % 12 or 12
        template = words("hours.am" if hour % 24 < 12 else "hours.pm")
        return fill(template, {"h": str(h12), "h24": str(hour)})

    parts = [
        fill(
            words("hours.span"),
            {
                "days": words(f"hours.{span.days}"),
                "open": clock(span.open),
                "close": clock(span.close),
            },
        )
        for span in spans
    ]
    return ", ".join(parts)


class Trigger(_Spec):
    """Words (by key, translated in every locale) that jump to a node from anywhere.

    ask: for an urgent node, where a question about what might happen ("what if ICE comes?")
    or a forwarded rumour goes instead: the same guidance, then "is this happening now?".
    urgent: for a topic, the urgent node a text goes to when it also says enforcement is
    happening now ("ICE came to my job" is ICE at a workplace, not a question about work).
    takes_calm: for a topic, a text whose urgent words read calm (a question, a rumour, the
    past) comes here instead of the urgent guidance when the intent model leans to this topic
    more: "my hearing is next month, I heard they arrest people at court, should I go?".
    """

    words: str
    go: str
    ask: str | None = None
    urgent: str | None = None
    takes_calm: bool = False


class Flow(_Spec):
    """One `flows/*.yaml` file."""

    spec_version: Literal[1]
    start: str | None = None
    menu: str | None = None
    triggers: list[Trigger] = []
    nodes: dict[str, Node]


class Message(_Spec):
    text: str
    reviewed: bool | None = None
    reviewed_by: str | None = None  # who reviewed it (recorded by an import with --reviewer)
    reviewed_on: dt.date | None = None


class Locale(_Spec):
    """One `locales/<lang>.yaml` file: texts by key and the words of that language."""

    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?$")  # zh, zh-Hant
    name: str
    aliases: list[str] = []
    reviewed: bool = False
    greetings: list[str] = []
    commands: dict[str, list[str]] = {}
    words: dict[str, list[str]] = {}
    messages: dict[str, Message]

    @field_validator("aliases", "greetings", "commands", "words", mode="before")
    @classmethod
    def _words_as_text(cls, value: Any) -> Any:
        # YAML reads `311` or `0` as numbers; a word list means them as text.
        def text(item: Any) -> Any:
            numeric = isinstance(item, int | float) and not isinstance(item, bool)
            return str(item) if numeric else item

        if isinstance(value, dict):
            return {k: [text(i) for i in v] if isinstance(v, list) else v for k, v in value.items()}
        return [text(i) for i in value] if isinstance(value, list) else value

    @field_validator("messages", mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        # An organizer writes `key: text`; `key: {text:, reviewed:}` marks review per key.
        if isinstance(value, dict):
            return {k: {"text": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("commands")
    @classmethod
    def _known_commands(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(COMMANDS))
        if unknown:
            raise ValueError(f"unknown command {unknown[0]!r}; commands are {', '.join(COMMANDS)}")
        return value

    def is_reviewed(self, key: str) -> bool:
        message = self.messages[key]
        return self.reviewed if message.reviewed is None else message.reviewed


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one bundle per load
class Bundle:
    """Everything the engine reads: all nodes by id, the triggers in order, the locales."""

    nodes: dict[str, Node]
    start: str
    menu: str
    triggers: tuple[Trigger, ...]
    locales: dict[str, Locale]
    directory: dict[str, str]
    version: str
    fallback: str = "en"
    stale: frozenset[str] = frozenset()  # nodes whose facts are past their review age
    unreviewed: frozenset[str] = frozenset()  # nodes whose facts no person has reviewed yet
    hours: dict[str, tuple[Hours, ...]] = field(default_factory=dict)  # {placeholder}: spans
    # (key, lang) -> the text, whether it is the fallback's, its placeholders: filled as
    # replies are made, and gone with the bundle when the content reloads (a copy made with
    # dataclasses.replace starts empty).
    _templates: dict[tuple[str, str | None], tuple[str, bool, tuple[str, ...]]] = field(
        default_factory=dict, init=False, repr=False
    )

    @property
    def languages(self) -> list[str]:
        """The language menu's order: the fallback first, then by code."""
        return list(_language_order(self))

    def text(self, key: str, lang: str | None, case: str | None = None) -> tuple[str, bool]:
        """A message in a language, placeholders filled; True when the fallback's text was
        used because the language lacks it."""
        found = self._templates.get((key, lang))
        if found is None:
            found = self._templates[(key, lang)] = self._template(key, lang)
        text, fallback, names = found
        if not names:
            return text, fallback
        values = self.directory if case is None else {**self.directory, "case": case}
        return fill(text, values), fallback

    def _template(self, key: str, lang: str | None) -> tuple[str, bool, tuple[str, ...]]:
        """The text with what is the same at every reply filled in (the directory's numbers
        and addresses, opening hours in the text's language), and the names left to fill."""
        locale = self.locales.get(lang or self.fallback)
        message = locale.messages.get(key) if locale else None
        fallback = message is None
        if message is None:
            message = self.locales[self.fallback].messages[key]
        shown = self.fallback if fallback else lang
        names = PLACEHOLDER.findall(message.text)
        static: dict[str, str] = {}
        for name in names:
            if name == "case":
                continue  # the person's own case number: filled at each reply
            if name in self.hours:
                static[name] = self.hours_text(name, shown)
            elif name in self.directory:
                static[name] = self.directory[name]
        text = fill(message.text, static) if static else message.text
        return text, fallback, tuple(name for name in names if name not in static)

    def hours_text(self, name: str, lang: str | None) -> str:
        """The opening hours of a directory entry, in a language (its words, else English)."""
        return format_hours(self.hours[name], lambda key: self.text(key, lang)[0])

    def translation_checked(self, lang: str) -> bool:
        """Whether a person reviewed every text of a language (the source language counts as
        checked: its texts are not a translation)."""
        locale = self.locales.get(lang)
        if lang == self.fallback or locale is None:
            return True
        return all(locale.is_reviewed(key) for key in locale.messages)


@lru_cache(maxsize=8)  # bundles are compared by identity: one order per loaded bundle
def _language_order(bundle: Bundle) -> tuple[str, ...]:
    return tuple(sorted(bundle.locales, key=lambda code: (code != bundle.fallback, code)))


@dataclass(frozen=True)
class Session:
    """What is kept about one conversation between turns: no text, no address."""

    node: str | None = None
    lang: str | None = None
    vars: dict[str, str] = field(default_factory=dict)
    stopped: bool = False
    awaiting: str | None = None  # "lang" while the language menu waits for a choice
    turns: int = 0
    disclaimed: bool = False  # the "information, not legal advice" note was given
    pages: tuple[str, ...] = ()  # the rest of a long reply, sent on MORE (bot text only)

    def to_json(self) -> dict[str, Any]:
        data = {
            "n": self.node,
            "l": self.lang,
            "v": self.vars,
            "s": self.stopped,
            "a": self.awaiting,
            "t": self.turns,
            "d": self.disclaimed,
            "m": list(self.pages),
        }
        return {k: v for k, v in data.items() if v not in (None, {}, False, "", [])}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Session:
        return cls(
            node=data.get("n"),
            lang=data.get("l"),
            vars=dict(data.get("v", {})),
            stopped=bool(data.get("s", False)),
            awaiting=data.get("a"),
            turns=int(data.get("t", 0)),
            disclaimed=bool(data.get("d", False)),
            pages=tuple(data.get("m", ())),
        )

    def but(self, **changes: Any) -> Session:
        """A copy with `changes` (a turn makes a dozen of these)."""
        return replaced(self, **changes)


def replaced(instance: _Frozen, **changes: Any) -> _Frozen:
    """dataclasses.replace for a frozen dataclass whose fields are all set by __init__ and that
    has no __post_init__, without its per-call walk over the fields: five times cheaper, and
    the turn and the detector make copies on every message. Changes that change nothing give
    the instance itself (it is frozen): a turn need not check before it sets a field."""
    names = instance.__dataclass_fields__.keys()
    if not changes.keys() <= names:
        raise TypeError(f"{type(instance).__name__} has no field {sorted(changes.keys() - names)}")
    current = instance.__dict__
    for name, value in changes.items():
        if current[name] is not value and current[name] != value:
            break
    else:
        return instance
    copy = object.__new__(type(instance))
    copy.__dict__.update(instance.__dict__, **changes)
    return copy


@dataclass(frozen=True)
class Inbound:
    """One message as the engine sees it. The language guess is made by the host."""

    text: str
    channel: Literal["sms", "whatsapp", "chat"] = "sms"
    media: int = 0
    guess: str | None = None  # the detector's language, None when unsure
    guess_sure: bool = False
    relay: bool = False  # a claimed case is open: free text goes to the staff member
    # The intent model's reading of the text (made by the host, like the language guess):
    # labels are node ids, "urgent:<node>" for urgent ones, with probabilities, best first.
    # A callable when the host reads it on demand (the engine calls it at most once a turn).
    intent: tuple[tuple[str, float], ...] | Callable[[], tuple[tuple[str, float], ...]] = ()
    forwarded: bool = False  # WhatsApp marked it forwarded: a rumour until the person says not
    location: bool = False  # a WhatsApp location pin
    romanized: bool = False  # the guess is a language written in Latin letters (Banglish...)
    unsupported: bool = False  # the detector saw a language the hotline does not serve


@dataclass(frozen=True)
class Reply:
    key: str
    text: str
    lang: str
    fallback: bool = False  # the text came from the fallback language


class EventType(StrEnum):
    """What a turn did, for the host to act on (and for transcripts to assert)."""

    CASE_OPENED = "case_opened"  # an urgent or reported case: the host saves and announces it
    RELAYED = "relayed"  # free text for the staff member on a claimed case
    ERASED = "erased"  # DELETE: everything kept about the person goes
    STOPPED = "stopped"
    STARTED = "started"
    ENDED = "ended"
    TRIGGERED = "triggered"
    CHOSEN = "chosen"  # an option was picked (by number, word or button)
    LANGUAGE_CHANGED = "language_changed"
    NODE_MISSING = "node_missing"  # the flows changed under a conversation in progress


@dataclass(frozen=True)
class Event:
    type: EventType
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type.value, **self.data}


@dataclass(frozen=True)
class Turn:
    """The result of one step: the new session (None once erased), what to say, what to do."""

    session: Session | None
    replies: list[Reply]
    events: list[Event]
    outgoing: list[str] = field(default_factory=list)  # the texts to send, paged for SMS

    def to_json(self) -> dict[str, Any]:
        """The turn as the chat, the simulator and `hotline flows try` show it."""
        session = self.session
        return {
            "replies": self.outgoing,
            "keys": [reply.key for reply in self.replies],
            "language": session.lang if session else None,
            "node": session.node if session else None,
            "events": [event.to_json() for event in self.events],
            "fallbacks": [reply.key for reply in self.replies if reply.fallback],
        }
