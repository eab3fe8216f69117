"""One turn on the host side: pseudonym, lock, dedupe, engine, save, effects. Shared by the
webhook and the terminal chat."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from . import flowfiles
from .channels import InboundMessage
from .engine import Bundle, Inbound, Turn, advance
from .escalation import cases
from .language import Detector, get_detector
from .privacy import pseudonym, short
from .sessions import SessionStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    texts: list[str]
    turn: Turn | None  # None when the message was a retry already answered
    pseudo: str


def lexicon(bundle: Bundle) -> dict[str, list[str]]:
    """The words each locale teaches the language detector: greetings, commands, topic words."""
    words: dict[str, list[str]] = {}
    for code, locale in bundle.locales.items():
        entries = [*locale.greetings, locale.name, *locale.aliases]
        for spellings in (*locale.commands.values(), *locale.words.values()):
            entries.extend(spellings)
        words[code] = entries
    return words


class Hotline:
    """The running hotline: the flows in force, the store, and the detector."""

    def __init__(self, r: redis.Redis, config: dict[str, Any]) -> None:
        self.r = r
        self.secret = str(config["HOTLINE_SECRET"]).encode()
        self.content = Path(config["HOTLINE_CONTENT_DIR"])
        self.store = SessionStore(r, int(config["HOTLINE_SESSION_TTL"]),
                                  int(config["HOTLINE_STOP_TTL"]))
        self.review_days = int(config["HOTLINE_REVIEW_DAYS"])
        self.bundle = flowfiles.load(self.content, review_days=self.review_days)
        self.detector: Detector = get_detector(lexicon(self.bundle))

    def handle(self, msg: InboundMessage) -> Outcome:
        pseudo = pseudonym(self.secret, msg.address)
        sid_key = hmac.new(self.secret, msg.sid.encode(), hashlib.sha256).hexdigest()[:32]
        with self.store.locked(pseudo):
            earlier = self.store.seen(sid_key)
            if earlier is not None:  # Twilio retried: answer the same, change nothing
                log.info("turn p=%s repeated message, same answer", short(pseudo))
                return Outcome(earlier, None, pseudo)
            session = self.store.load(pseudo)
            detection = self.detector.detect(msg.text) if msg.text else None
            inbound = Inbound(
                text=msg.text, channel=msg.channel, media=msg.media,
                guess=detection.lang if detection else None,
                guess_sure=bool(detection and detection.lang and not detection.ambiguous))
            turn = advance(self.bundle, session, inbound, self._new_case_id)
            texts = turn.outgoing
            pipe = self.r.pipeline(transaction=True)
            opened = self._effects(pipe, pseudo, turn)
            if turn.session is None:
                self.store.erase(pseudo, pipe)
            else:
                self.store.save(pseudo, turn.session, pipe)
            self.store.remember(sid_key, texts, pipe)
            pipe.execute()
        for case_id, urgency in opened:
            cases.announce(self.r, case_id, urgency)
        log.info("turn p=%s node=%s lang=%s events=%s", short(pseudo),
                 turn.session.node if turn.session else "-",
                 turn.session.lang if turn.session else "-",
                 ",".join(e.type for e in turn.events) or "-")
        return Outcome(texts, turn, pseudo)

    def forget(self, address: str) -> None:
        """Erase everything held for an address, as DELETE does."""
        pseudo = pseudonym(self.secret, address)
        pipe = self.r.pipeline(transaction=True)
        cases.erase_person(self.r, pipe, pseudo)
        self.store.erase(pseudo, pipe)
        pipe.execute()

    def _new_case_id(self) -> str:
        while self.r.exists(cases.CASE + (case_id := cases.new_id())):
            pass  # 25^4 ids: a clash is rare, but a clash would merge two people's cases
        return case_id

    def _effects(self, pipe: redis.client.Pipeline, pseudo: str,
                 turn: Turn) -> list[tuple[str, str]]:
        opened = []
        for event in turn.events:
            if event.type == "case_opened":
                case_id = cases.open_case(pipe, pseudo, event.data)
                opened.append((case_id, event.data["urgency"]))
            elif event.type in ("erased",):
                cases.erase_person(self.r, pipe, pseudo)
        return opened
