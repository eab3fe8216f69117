"""One turn on the host side: pseudonym, dedupe, language, engine, one atomic commit, effects.
Shared by the webhook, the terminal chat and the organizers' bulk runs."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

import redis

from bot.config import Settings
from bot.content import intake, routing
from bot.content.live import LiveContent
from bot.db import Commit, Gate, TurnRead, Writes, read_turn
from bot.engine import Bundle, EventType, Turn, advance, prepare
from bot.escalation import cases, queues
from bot.escalation.vault import fernet
from bot.language import Detection, Detector, get_detector, lexicon_of
from bot.privacy import message_key, pseudonym, short
from bot.turn import effects
from bot.turn.inbound import InboundMessage
from bot.turn.limits import SENDER_TTL, Limits, Verdict
from bot.turn.sessions import Recent, SessionStore

log = logging.getLogger(__name__)
PROMISE = "case.promise"  # when to expect a first reply: {reply_minutes}, filled here


MAX_ATTEMPTS = 50  # a burst of simultaneous messages from one person retries this often


class Refusal(StrEnum):
    FLOOD = "flood"  # the first message over the sender's limit: one polite reply
    SILENCE = "silence"  # more over the limit: no reply
    BUDGET = "budget"  # this hour's replies for everyone are spent (never for urgent texts)
    BUSY = "busy"  # this hour's new conversations are spent (never for urgent texts)


@dataclass(frozen=True)
class Outcome:
    texts: list[str]
    turn: Turn | None  # None when the message was a retry already answered
    pseudo: str
    case: dict[str, str] | None = None  # the person's open case before this turn
    opened: list[tuple[str, str]] = field(default_factory=list)  # (case id, urgency)
    refused: Refusal | None = None


class Hotline:
    """The running hotline: the flows in force, the store, and the detector."""

    def __init__(self, r: redis.Redis, settings: Settings) -> None:
        self.r = r
        self.settings = settings
        self.secret = settings.secret.encode()
        self.previous = settings.secret_previous.encode()
        self.store = SessionStore(settings.session_ttl, settings.stop_ttl)
        self.recent = Recent()  # under gunicorn --preload: before the fork, one for all workers
        self.live = LiveContent(settings.content_dir, settings.review_days)
        self.limits = Limits(
            r,
            settings.rate_per_minute,
            settings.reply_budget_per_hour,
            settings.new_conversations_per_hour,
        )
        self.limits.secret = self.secret
        self.fernet = fernet(settings)
        self.detector: Detector = get_detector(lexicon_of(self.bundle))
        self._lexicon_of = self.bundle
        prepare(self.bundle)  # under gunicorn --preload: once, before the workers fork

    @property
    def bundle(self) -> Bundle:
        return self.live.get().bundle

    @property
    def routing(self) -> routing.Routing:
        return self.live.get().routing

    def handle(self, msg: InboundMessage, now: float | None = None) -> Outcome:
        """One turn: read, run the pure engine, commit only if the session did not change
        meanwhile; else run again on the new session, so no update is lost. The first read
        also counts the sender and reads the hour's budgets (one round trip for all). A
        conversation a web process of this host answered last (or a first text) skips the
        read: the turn runs on the session in the host's table (sessions.Recent), and the
        commit reads, checks and counts in the same round trip."""
        now = time.time() if now is None else now
        pseudo = pseudonym(self.secret, msg.address)
        sid_key = message_key(self.secret, msg.sid)
        if self.previous:
            self._carry_over(pseudonym(self.previous, msg.address), pseudo)
        detection = self.detector.detect(msg.text) if msg.text else None
        verdict = Verdict(None, False, False)
        counters = self.limits.keys(msg.address, now)
        read: TurnRead | None = None
        guess = self.recent.get(pseudo)
        if guess is not None:
            unread = TurnRead(0, 0, 0, guess, None, {})
            guessed = self._turn(pseudo, sid_key, msg, detection, unread, now, verdict, counters)
            if isinstance(guessed, Outcome):
                return guessed
            read = guessed  # what the read would have given, the sender counted
        for attempt in range(MAX_ATTEMPTS):
            if read is None or attempt > 0:
                read = read_turn(
                    self.r,
                    *counters,
                    self.store.key(pseudo),
                    self.store.seen_key(sid_key),
                    cases.CASE,
                    SENDER_TTL if attempt == 0 and guess is None else 0,  # once per message
                )
            if attempt == 0:
                verdict = self.limits.verdict(read.sender_count, read.replies, read.started)
                if verdict.sender and not self._first_emergency(msg, detection, read):
                    return Outcome([], None, pseudo, refused=Refusal(verdict.sender))
            outcome = self._turn(pseudo, sid_key, msg, detection, read, now, verdict)
            if isinstance(outcome, Outcome):
                return outcome
        raise RuntimeError("too many simultaneous messages from one person")

    def _turn(
        self,
        pseudo: str,
        sid_key: str,
        msg: InboundMessage,
        detection: Detection | None,
        read: TurnRead,
        now: float,
        verdict: Verdict,
        counters: tuple[str, str, str] | None = None,
    ) -> Outcome | TurnRead | None:
        """Run the pure engine on what was read and commit (one round trip); None to run the
        turn again (the session changed meanwhile, or a new case's id was taken). A turn the
        budgets refuse is not committed: the hotline never heard it. With `counters`, `read`
        holds only a guessed session: the commit checks the guess and the limits, and gives
        back what a read would have when the turn must run again."""
        key, seen = self.store.key(pseudo), self.store.seen_key(sid_key)
        raw_session, earlier = read.session or None, read.seen  # b"": guessed to be new
        if earlier is not None:  # Twilio retried: answer the same, change nothing
            log.info("turn p=%s repeated message, same answer", short(pseudo))
            return Outcome(json.loads(earlier), None, pseudo)
        session = self.store.parse(raw_session)
        case = read.case or None
        inbound = intake.inbound(
            msg.text,
            detection,
            msg.channel,
            media=msg.media,
            relay=bool(case and case["status"] == cases.CaseStatus.CLAIMED),
            forwarded=msg.forwarded,
            location=msg.location,
        )
        current = self.live.get()  # one look at the content files per turn
        bundle = current.bundle
        if bundle is not self._lexicon_of:  # new words from edited locales teach the detector
            self.detector.set_lexicon(lexicon_of(bundle))
            self._lexicon_of = bundle
        # Case ids come from a random source with no I/O; the commit refuses one that exists.
        turn = advance(bundle, session, inbound, cases.new_id)
        if case and _opens(turn):  # one case per person and emergency: join the open one
            joined = advance(bundle, session, inbound, lambda: case["id"])
            if not _opens(joined, above=case["urgency"]):
                turn = joined
        refused = _over_budget(turn, verdict, started=raw_session is None)
        if refused is not None:
            log.info("turn p=%s refused: %s", short(pseudo), refused)
            return Outcome([], None, pseudo, refused=refused)
        writes = Writes()
        staged = effects.stage(
            writes, self.r, self.fernet, current.routing, pseudo, msg, turn, case, now
        )
        written = None
        if turn.session is None:
            self.store.erase(pseudo, writes)
        else:
            written = self.store.save(pseudo, turn.session, writes)
        outgoing = turn.outgoing + self._promise(bundle, staged)
        self.store.remember(sid_key, outgoing, writes)
        if outgoing:
            self.limits.spend(writes, raw_session is None, now)
        gate = None
        if counters is not None:
            gate = Gate(
                *counters,
                SENDER_TTL,
                cases.CASE,
                *self.limits.bounds(urgent(turn), bool(turn.outgoing), raw_session is None),
            )
        result, counted = writes.commit(self.r, key, seen, raw_session, gate)
        if gate is not None:
            if result == Commit.CHANGED:  # the guess was wrong: run again on the real read
                self.recent.drop(pseudo)
                return counted
            if result == Commit.ID_TAKEN:  # the guess was right: run again with new ids
                return dataclasses.replace(counted, session=raw_session)
            verdict = self.limits.verdict(counted.sender_count, counted.replies, counted.started)
            if result == Commit.REFUSED:
                refused = _refusal(turn, verdict, raw_session)
                log.info("turn p=%s refused: %s", short(pseudo), refused)
                return Outcome([], None, pseudo, refused=refused)
        if result in (Commit.CHANGED, Commit.ID_TAKEN):
            return None
        if result == Commit.ANSWERED:  # the process that answered wrote the host's table
            return Outcome(json.loads(self.r.get(seen) or "[]"), None, pseudo)
        guessable = turn.session is not None and "case" not in turn.session.vars
        self.recent.wrote(pseudo, written if guessable else None)
        try:
            effects.follow(self.r, staged, case)
        except Exception:  # saved is what counts (a new case's job was in the commit)
            log.exception("turn p=%s saved, but its follow-up failed", short(pseudo))
        effects.log_turn(short(pseudo), turn)
        if outgoing and self.limits.spent_by(verdict):
            self.limits.raise_spent(now)
        return Outcome(outgoing, turn, pseudo, case, staged.opened)

    def _promise(self, bundle: Bundle, staged: effects.Staged) -> list[str]:
        """When to expect a first reply, and what to do if none comes, once the turn knows
        which provider took the urgent case (the engine does not). Its own message, after the
        engine's pages, so it arrives now even when the case message continues after MORE."""
        if staged.promise is None or PROMISE not in bundle.locales[bundle.fallback].messages:
            return []  # content without the text (an organizer's own flows) promises nothing
        lang, minutes = staged.promise
        text = bundle.text(PROMISE, lang)[0]
        return [text.replace("{reply_minutes}", str(minutes))]

    def _first_emergency(
        self, msg: InboundMessage, detection: Detection | None, read: TurnRead
    ) -> bool:
        """Past the sender's limit, an urgent text from someone without an open case still
        goes through: a frightened person may have texted ten times already. The engine is
        pure, so asking it costs no write."""
        if read.case:
            return False
        session = self.store.parse(read.session)
        inbound = intake.inbound(
            msg.text,
            detection,
            msg.channel,
            media=msg.media,
            forwarded=msg.forwarded,
            location=msg.location,
        )
        return urgent(advance(self.bundle, session, inbound, cases.new_id))

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

    def forget(self, address: str) -> None:
        """Erase everything held for an address, as DELETE does."""
        pseudo = pseudonym(self.secret, address)
        self.recent.drop(pseudo)
        writes = Writes()
        cases.erase_person(self.r, writes, pseudo)
        self.store.erase(pseudo, writes)
        writes.apply(self.r)


def urgent(turn: Turn) -> bool:
    """The turn opened (or joined) an urgent case: no budget ever silences it."""
    return any(
        e.type == EventType.CASE_OPENED and e.data.get("urgency") == "urgent" for e in turn.events
    )


def _refusal(turn: Turn, verdict: Verdict, session: bytes | None) -> Refusal:
    """Why a commit refused a turn run without a read (no open case): the same rules as the
    sender's limit in `handle` and `_over_budget`, on the counts the commit read."""
    if verdict.sender and not urgent(turn):
        return Refusal(verdict.sender)
    refused = _over_budget(turn, verdict, started=session is None)
    if refused is None:
        raise RuntimeError("the commit refused a turn that the limits allow")
    return refused


def _over_budget(turn: Turn, verdict: Verdict, started: bool) -> Refusal | None:
    """Why the hour's budgets refuse this non-urgent turn, if they do."""
    if urgent(turn):
        return None
    if verdict.budget_spent and turn.outgoing:
        return Refusal.BUDGET
    if started and verdict.conversations_full:
        return Refusal.BUSY
    return None


def _opens(turn: Turn, above: str = "") -> bool:
    """The turn opens a case (more urgent than `above`, when given)."""
    rank = {u: n for n, u in enumerate(reversed(queues.PRIORITY), start=1)}
    return any(
        e.type == EventType.CASE_OPENED
        and rank.get(e.data.get("urgency", ""), 0) > rank.get(above, 0)
        for e in turn.events
    )
