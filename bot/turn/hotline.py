"""One turn on the host side: pseudonym, dedupe, language, engine, one atomic write, effects.
Shared by the webhook and the terminal chat."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from bot.content import intake, routing
from bot.content.live import LiveContent
from bot.engine import Bundle, Session, Turn, advance
from bot.escalation import cases, queues
from bot.escalation.vault import fernet, seal
from bot.language import Detection, Detector, get_detector
from bot.privacy import pseudonym, short
from bot.turn.inbound import InboundMessage
from bot.turn.limits import Limits
from bot.turn.sessions import SessionStore, Writes

log = logging.getLogger(__name__)


MAX_ATTEMPTS = 50  # a burst of simultaneous messages from one person retries this often


@dataclass(frozen=True)
class Outcome:
    texts: list[str]
    turn: Turn | None  # None when the message was a retry already answered
    pseudo: str
    case: dict[str, str] | None = None  # the person's open case before this turn
    opened: list[tuple[str, str]] = field(default_factory=list)  # (case id, urgency)
    refused: str | None = None  # "flood" (first over the limit), "silence", or "budget"


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
        self.previous = str(config.get("HOTLINE_SECRET_PREVIOUS") or "").encode()
        self.content = Path(config["HOTLINE_CONTENT_DIR"])
        self.store = SessionStore(
            int(config["HOTLINE_SESSION_TTL"]), int(config["HOTLINE_STOP_TTL"])
        )
        self.live = LiveContent(self.content, int(config["HOTLINE_REVIEW_DAYS"]))
        self.limits = Limits(
            r, int(config["HOTLINE_RATE_PER_MINUTE"]), int(config["HOTLINE_REPLY_BUDGET_PER_HOUR"])
        )
        self.fernet = fernet(config)
        self.detector: Detector = get_detector(lexicon(self.bundle))
        self._lexicon_of = self.bundle

    @property
    def bundle(self) -> Bundle:
        return self.live.get().bundle

    @property
    def routing(self) -> routing.Routing:
        return self.live.get().routing

    def handle(self, msg: InboundMessage) -> Outcome:
        """One turn: read, run the pure engine, write only if the session did not change
        meanwhile; else run again on the new session, so no update is lost. The first read
        also counts the sender and the hour's replies (one round trip for both)."""
        pseudo = pseudonym(self.secret, msg.address)
        sid_key = hmac.new(self.secret, msg.sid.encode(), hashlib.sha256).hexdigest()[:32]
        if self.previous:
            self._carry_over(pseudonym(self.previous, msg.address), pseudo)
        detection = self.detector.detect(msg.text) if msg.text else None
        for attempt in range(MAX_ATTEMPTS):
            pipe = self.r.pipeline(transaction=False)
            if attempt == 0:
                self.limits.count(pipe, msg.address)
            pipe.mget(self.store.key(pseudo), self.store.seen_key(sid_key))
            results = pipe.execute()
            if attempt == 0:
                refused = self.limits.verdict(results[:-1])
                if refused:
                    return Outcome([], None, pseudo, refused=refused)
            outcome = self._turn(pseudo, sid_key, msg, detection, results[-1])
            if outcome is None:
                continue  # another message from this person landed first: run on its result
            if outcome.turn is not None:
                self._after(outcome, msg)
            return outcome
        raise RuntimeError("too many simultaneous messages from one person")

    def _turn(
        self,
        pseudo: str,
        sid_key: str,
        msg: InboundMessage,
        detection: Detection | None,
        read: list[bytes | None],
    ) -> Outcome | None:
        """Run the pure engine on what was read; write if nothing changed (one round trip)."""
        key, seen = self.store.key(pseudo), self.store.seen_key(sid_key)
        raw_session, earlier = read
        if earlier is not None:  # Twilio retried: answer the same, change nothing
            log.info("turn p=%s repeated message, same answer", short(pseudo))
            return Outcome(json.loads(earlier), None, pseudo)
        session = self.store.parse(raw_session)
        case = self._open_case_of(session)
        inbound = intake.inbound(
            msg.text,
            detection,
            msg.channel,
            media=msg.media,
            relay=bool(case and case["status"] == cases.CLAIMED),
            forwarded=msg.forwarded,
            location=msg.location,
        )
        bundle = self.bundle
        if bundle is not self._lexicon_of:  # new words from edited locales teach the detector
            self.detector.set_lexicon(lexicon(bundle))
            self._lexicon_of = bundle
        turn = advance(bundle, session, inbound, self._new_case_id)
        writes = Writes()
        opened = self._effects(writes, pseudo, msg, turn)
        if turn.session is None:
            self.store.erase(pseudo, writes)
        else:
            self.store.save(pseudo, turn.session, writes)
        self.store.remember(sid_key, turn.outgoing, writes)
        result = writes.commit(self.r, key, seen, raw_session)
        if result == 0:
            return None
        if result < 0:
            return Outcome(json.loads(self.r.get(seen) or "[]"), None, pseudo)
        return Outcome(turn.outgoing, turn, pseudo, case, opened)

    def _after(self, outcome: Outcome, msg: InboundMessage) -> None:
        """What follows a saved turn: queue new cases, follow an open one, log the turn."""
        turn = outcome.turn
        assert turn is not None
        if outcome.case and turn.session is not None:
            self._follow_case(outcome.case, msg, turn)
        for case_id, urgency in outcome.opened:
            cases.announce(self.r, case_id, urgency)
        log.info(
            "turn p=%s node=%s lang=%s events=%s",
            short(outcome.pseudo),
            turn.session.node if turn.session else "-",
            turn.session.lang if turn.session else "-",
            ",".join(e.type for e in turn.events) or "-",
        )

    def _carry_over(self, old: str, new: str) -> None:
        """After a secret rotation: move what the old pseudonym held to the new one, once."""
        for prefix in (self.store.key(""), cases.OWNED):
            if self.r.exists(prefix + old):
                self.r.renamenx(prefix + old, prefix + new)

    def notice(self, key: str, text: str) -> str:
        """A text said without a session (Redis may be down): in the language the message
        itself is in, else English."""
        bundle = self.bundle
        try:
            found = self.detector.detect(text) if text.strip() else None
        except Exception:  # this is the last word when all else failed: never fail here too
            found = None
        return bundle.text(key, found.lang if found else None)[0]

    def _open_case_of(self, session: Session | None) -> dict[str, str] | None:
        case_id = session.vars.get("case") if session else None
        return cases.get(self.r, case_id) or None if case_id else None

    def _follow_case(self, case: dict[str, str], msg: InboundMessage, turn: Turn) -> None:
        """A person with an open case: keep the WhatsApp window's clock, pass their words to the
        staff member, add their new answers, and release replies held for the window."""
        case_id = case["id"]
        pipe = self.r.pipeline()
        pipe.hset(cases.CASE + case_id, "last_inbound", f"{time.time():.0f}")
        assert turn.session is not None
        answers = {k: v for k, v in turn.session.vars.items() if k != "case"}
        if json.dumps(answers) != case.get("answers"):
            cases.update_answers(pipe, case_id, answers)
        if answers.get("contact") == "no":  # they asked not to be written to: no way back
            pipe.delete(cases.CASE + case_id + ":handle")
        pipe.execute()
        if any(e.type == "relayed" for e in turn.events) and msg.text:
            ttl = self.routing.thread_hours * 3600
            cases.add_message(self.r, self.fernet, case_id, "person", msg.text, ttl)
        if any(entry.get("held") for entry in cases.thread(self.r, self.fernet, case_id)):
            queues.enqueue(
                self.r,
                queues.for_urgency(case["urgency"]),
                "bot.escalation.jobs.deliver_held",
                case_id,
            )

    def forget(self, address: str) -> None:
        """Erase everything held for an address, as DELETE does."""
        pseudo = pseudonym(self.secret, address)
        writes = Writes()
        cases.erase_person(self.r, writes, pseudo)
        self.store.erase(pseudo, writes)
        writes.apply(self.r)

    def _new_case_id(self) -> str:
        while self.r.exists(cases.CASE + (case_id := cases.new_id())):
            pass  # 25^4 ids: a clash is rare, but a clash would merge two people's cases
        return case_id

    def _effects(
        self, pipe: Writes, pseudo: str, msg: InboundMessage, turn: Turn
    ) -> list[tuple[str, str]]:
        opened = []
        for event in turn.events:
            if event.type == "case_opened":
                provider = self.routing.provider_for(event.data)
                way_back = seal(self.fernet, {"address": msg.address, "hotline": msg.to})
                case_id = cases.open_case(
                    pipe,
                    pseudo,
                    event.data,
                    provider.id if provider else "",
                    way_back,
                    self.routing.handle_days * 86400,
                )
                opened.append((case_id, event.data["urgency"]))
            elif event.type == "erased":
                cases.erase_person(self.r, pipe, pseudo)
        return opened
