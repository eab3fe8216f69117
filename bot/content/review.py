"""Texts and facts that two people review before they go live.

An organizer's edit of a translation, or their word that they reviewed a flow node's (or a
directory entry's) facts against their sources, is a proposal kept in Redis. It goes live only
when a second organizer with the reviewer role for its language (or for `facts`) approves it:
then it is checked again and written into the content files, which stay the source of truth
(live reload serves it). Nobody approves their own proposal; a proposal whose base changed in
the files since is stale. Proposals are organizer content: never a person's message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

import redis

from bot.content import bundle as content_bundle
from bot.content import translations
from bot.content.checks import directory_texts, sms_summary
from bot.content.files import DIRECTORY_FILE, FALLBACK, Loaded
from bot.content.translations import Change, Content, Entry, TranslationError, fingerprint
from bot.content.yamlfile import Problem, read_yaml, set_fields
from bot.engine.sms import BUDGET, MAX_MESSAGE, segments
from bot.engine.text import PLACEHOLDER, fill

PROPOSAL = "hl:proposal:"  # + id -> hash: one waiting proposal
PROPOSALS = "hl:proposals"  # sorted set: the waiting proposals' ids by the time proposed
LOCK = "hl:review-lock"  # one approval at a time reads and writes the content files
FACTS = "facts"  # the reviewer role for review dates in flows/; the other roles are languages
REVIEW_FIELDS = ("last_reviewed", "reviewed_by", "approved_by")  # what a fact review writes
MAX_NOTE = 300
DEFAULT_NOTE = "checked against ../shared/facts/legal.md"
_ID = re.compile(r"^p[0-9a-f]{12}$")  # a letter first: never read as a phone number


class Why(StrEnum):
    """Why something is refused: the console answers each with its own status."""

    FORBIDDEN = "forbidden"  # the two-person rule, or no reviewer role for the language
    STALE = "stale"  # the files changed since the proposal
    BROKEN = "broken"  # the text (or the files with it) fails the checks
    GONE = "gone"  # no such proposal: approved or rejected already


class Refused(Exception):
    def __init__(self, why: Why, reasons: list[str]) -> None:
        self.why, self.reasons = why, reasons
        super().__init__("\n".join(reasons))


@dataclass(frozen=True)
class Proposal:
    id: str
    scope: str  # the language of a text, or FACTS
    key: str  # the message key, or the fact's id (node:<id>, entry:<name>)
    text: str  # the proposed text, or the reviewer's note on what they checked
    base: str  # fingerprint of the file's text (or the fact) it was proposed on
    source: str  # fingerprint of the English text it translates ('' for facts)
    by: str
    proposed_at: float

    @property
    def fact(self) -> bool:
        return self.scope == FACTS


def scopes(root: Path) -> list[str]:
    """What a reviewer role may name: each translated language of locales/, and FACTS."""
    langs = sorted(p.stem for p in (root / "locales").glob("*.yaml") if p.stem != FALLBACK)
    return [*langs, FACTS]


def may_approve(proposal: Proposal, name: str, reviews: Iterable[str]) -> bool:
    """The two-person rule: a reviewer of the proposal's language who did not propose it."""
    return proposal.by != name and proposal.scope in set(reviews)


def may_reject(proposal: Proposal, name: str, reviews: Iterable[str]) -> bool:
    """A reviewer of its language, or the proposer withdrawing it."""
    return proposal.by == name or proposal.scope in set(reviews)


# --- the proposals in Redis ------------------------------------------------------------------


def _save(r: redis.Redis, proposal: Proposal) -> Proposal:
    fields: dict[Any, Any] = {k: str(v) for k, v in asdict(proposal).items()}
    with r.pipeline() as pipe:
        pipe.hset(PROPOSAL + proposal.id, mapping=fields)
        pipe.zadd(PROPOSALS, {proposal.id: proposal.proposed_at})
        pipe.execute()
    return proposal


def _from(data: Any) -> Proposal | None:
    if not data:
        return None
    fields = {k.decode(): v.decode() for k, v in data.items()}
    return Proposal(**{**fields, "proposed_at": float(fields["proposed_at"])})  # type: ignore[arg-type]


def get(r: redis.Redis, proposal_id: str) -> Proposal | None:
    return _from(r.hgetall(PROPOSAL + proposal_id)) if _ID.match(proposal_id) else None


def waiting(r: redis.Redis, scope: str | None = None) -> list[Proposal]:
    """Waiting proposals, oldest first; of one language (or FACTS) when given."""
    ids = [i.decode() for i in cast(list[bytes], r.zrange(PROPOSALS, 0, -1))]
    with r.pipeline() as pipe:
        for proposal_id in ids:
            pipe.hgetall(PROPOSAL + proposal_id)
        found = [_from(data) for data in pipe.execute()]
    return [p for p in found if p is not None and scope in (None, p.scope)]


def _drop(r: redis.Redis, proposal_id: str) -> None:
    with r.pipeline() as pipe:
        pipe.delete(PROPOSAL + proposal_id)
        pipe.zrem(PROPOSALS, proposal_id)
        pipe.execute()


def _new(scope: str, key: str, text: str, base: str, source: str, by: str) -> Proposal:
    return Proposal("p" + secrets.token_hex(6), scope, key, text, base, source, by, time.time())


# --- checks ----------------------------------------------------------------------------------


def content(root: Path) -> Content:
    """The content files as they are now; Refused when a locale file has errors."""
    try:
        return Content.read(root)
    except TranslationError as exc:
        raise Refused(Why.BROKEN, exc.problems) from None


def _errors_with(found: Content, write: Callable[[Content], None]) -> list[str]:
    """Every error `hotline flows check` would report once `write` changed the files: tried
    on a copy, so the running bot never sees a broken version."""
    with tempfile.TemporaryDirectory(prefix="hotline-review-") as folder:
        root = Path(folder)
        for name in ("flows", "locales"):
            shutil.copytree(found.root / name, root / name)
        try:
            write(Content.read(root))
        except TranslationError as exc:
            return exc.problems
        _bundle, problems = content_bundle.check(root)
    return [str(p) for p in problems if p.severity == "error"]


def clean(text: str) -> str:
    """A text as typed in a browser (CRLF line ends), without the spaces around it."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def text_problems(found: Content, lang: str, key: str, text: str) -> list[str]:
    """Why a translation must not go live: what an import refuses (not a key, the source
    language, a {placeholder} dropped or added, a stray brace), a text made longer than the
    SMS budget, and any error `hotline flows check` reports with it in the file."""
    if not text:
        return [f"[{key}] the text is empty"]
    if len(text) > MAX_MESSAGE:
        return [f"[{key}] the text is longer than {MAX_MESSAGE} characters"]
    try:
        changes, _notes = translations.plan(found, lang, [Entry(key, "", text, True)])
    except TranslationError as exc:
        return exc.problems
    if not changes:
        return [f"[{key}] locales/{lang}.yaml already has this text, reviewed"]
    locale, _ = found.locale(lang)
    directory = directory_texts(found.loaded, locale)
    sent, current = fill(text, directory), locale.messages.get(key)
    before = segments(fill(current.text, directory)) if current else 0
    if segments(sent) > BUDGET and segments(sent) > before:
        return [
            f"[{key}] {sms_summary(sent)} as sent: over the budget of {BUDGET} segments (the "
            "person would have to reply MORE); shorten it"
        ]

    def write(copy: Content) -> None:
        translations.apply(copy, lang, [Change(key, text, True)])

    return _errors_with(found, write)


# --- texts -----------------------------------------------------------------------------------


def _bases(found: Content, lang: str, key: str) -> tuple[str, str]:
    """Fingerprints of the language's text ('' when none) and of the English text."""
    locale, _ = found.locale(lang)
    current = locale.messages.get(key)
    english = found.english.messages.get(key)
    return (
        fingerprint(current.text if current else ""),
        fingerprint(english.text if english else ""),
    )


def propose_text(r: redis.Redis, root: Path, lang: str, key: str, text: str, by: str) -> Proposal:
    """A proposed translation, waiting for a second person; Refused (with every reason) when
    it breaks the checks."""
    found, text = content(root), clean(text)
    problems = text_problems(found, lang, key, text)
    if problems:
        raise Refused(Why.BROKEN, problems)
    return _save(r, _new(lang, key, text, *_bases(found, lang, key), by))


def stale(found: Content, proposal: Proposal) -> str | None:
    """Why the proposal no longer fits the files (None: it still does)."""
    if proposal.fact:
        fact = facts(found.loaded).get(proposal.key)
        if fact is None:
            return f"{proposal.key} is no longer in flows/: nothing to mark reviewed"
        if fact.base != proposal.base:
            return (
                f"{fact.file} [{fact.name}] changed since the review was proposed (its sources "
                "or its English texts): review it again and propose again"
            )
        return None
    try:
        base, source = _bases(found, proposal.scope, proposal.key)
    except TranslationError as exc:
        return "; ".join(exc.problems)
    if source != proposal.source:
        return (
            f"[{proposal.key}] the English text changed since this was proposed: translate the "
            "new English and propose again"
        )
    if base != proposal.base:
        return (
            f"[{proposal.key}] locales/{proposal.scope}.yaml changed this text since it was "
            "proposed (someone edited it or approved another proposal): propose again from "
            "the text in the file"
        )
    return None


@contextmanager
def _one_at_a_time(r: redis.Redis) -> Iterator[None]:
    """Decisions one at a time across every web process: two approvals must not both read the
    same file before either writes it."""
    try:
        with r.lock(LOCK, timeout=120, blocking_timeout=30):
            yield
    except redis.exceptions.LockError:
        raise Refused(Why.BROKEN, ["Another decision is being written: try again."]) from None


def approve(
    r: redis.Redis, root: Path, proposal_id: str, by: str, reviews: Iterable[str], today: dt.date
) -> Proposal:
    """Check the proposal again and write it into the files: a text with `reviewed: true`, the
    approver and the day; a fact review with its date, who reviewed and who approved."""
    with _one_at_a_time(r):
        proposal = get(r, proposal_id)
        if proposal is None:
            raise Refused(Why.GONE, ["That proposal was approved or rejected already."])
        if proposal.by == by:
            raise Refused(
                Why.FORBIDDEN,
                ["You proposed this: a second person must approve it (two-person rule)."],
            )
        if not may_approve(proposal, by, reviews):
            raise Refused(
                Why.FORBIDDEN, [f"You do not have the reviewer role for {proposal.scope}."]
            )
        found = content(root)
        why = stale(found, proposal)
        if why:
            raise Refused(Why.STALE, [why])
        if proposal.fact:
            _approve_fact(found, proposal, by, today)
        else:
            _approve_text(found, proposal, by, today)
        _drop(r, proposal.id)
        return proposal


def _approve_text(found: Content, proposal: Proposal, by: str, today: dt.date) -> None:
    problems = text_problems(found, proposal.scope, proposal.key, proposal.text)
    if problems:
        raise Refused(Why.BROKEN, problems)
    change = Change(proposal.key, proposal.text, True, reviewer=by, on=today)
    try:
        translations.apply(found, proposal.scope, [change])
    except TranslationError as exc:
        raise Refused(Why.BROKEN, exc.problems) from None


def reject(r: redis.Redis, proposal_id: str, by: str, reviews: Iterable[str]) -> Proposal:
    with _one_at_a_time(r):  # never while it is being approved
        proposal = get(r, proposal_id)
        if proposal is None:
            raise Refused(Why.GONE, ["That proposal was approved or rejected already."])
        if not may_reject(proposal, by, reviews):
            raise Refused(
                Why.FORBIDDEN,
                [f"Only a reviewer for {proposal.scope} or the proposer may reject it."],
            )
        _drop(r, proposal.id)
        return proposal


# --- facts: review dates in flows/ -----------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    """A flow node with sources, or a directory entry: what a person reviews against the facts
    sheet, and when they last did."""

    id: str  # node:<id> or entry:<name>
    file: str  # flows/main.yaml
    section: str  # nodes, entries
    name: str
    sources: list[str]
    say: list[str]  # the message keys whose English texts state its facts
    last_reviewed: Any
    reviewed_by: str | None
    approved_by: str | None
    base: str  # fingerprint of its sources and texts: a change makes a waiting review stale


def facts(loaded: Loaded) -> dict[str, Fact]:
    english = next((lc for lc, _ in loaded.locales.values() if lc.language == FALLBACK), None)
    found: list[Fact] = []

    def base(model: Any, texts: list[str]) -> str:
        fields = model.model_dump(mode="json", exclude=set(REVIEW_FIELDS))
        return fingerprint(json.dumps([fields, texts], sort_keys=True, ensure_ascii=False))

    for shown, (flow, _data) in loaded.flows.items():
        for node_id, node in flow.nodes.items():
            if not node.sources:
                continue  # no facts: nothing to review
            said = english.messages if english else {}
            texts = [said[k].text for k in node.say if k in said]
            found.append(
                Fact(
                    id=f"node:{node_id}",
                    file=shown,
                    section="nodes",
                    name=node_id,
                    sources=list(node.sources),
                    say=list(node.say),
                    last_reviewed=node.last_reviewed,
                    reviewed_by=node.reviewed_by,
                    approved_by=node.approved_by,
                    base=base(node, texts),
                )
            )
    if loaded.directory is not None:
        for name, entry in loaded.directory[0].entries.items():
            found.append(
                Fact(
                    id=f"entry:{name}",
                    file=f"flows/{DIRECTORY_FILE}",
                    section="entries",
                    name=name,
                    sources=[entry.source],
                    say=[],
                    last_reviewed=entry.last_reviewed,
                    reviewed_by=entry.reviewed_by,
                    approved_by=entry.approved_by,
                    base=base(entry, []),
                )
            )
    return {fact.id: fact for fact in found}


def propose_fact(r: redis.Redis, root: Path, fact_id: str, note: str, by: str) -> Proposal:
    """`by` says they reviewed this node's (or entry's) facts against their sources."""
    found = content(root)
    fact = facts(found.loaded).get(fact_id)
    if fact is None:
        raise Refused(Why.BROKEN, [f"{fact_id}: no node with sources or directory entry"])
    today = dt.datetime.now(dt.UTC).date()  # any day: only whether the files take it matters
    errors = _errors_with(found, lambda copy: _write_fact(copy, fact, by, by, today))
    if errors:
        raise Refused(Why.BROKEN, errors)
    note = " ".join(note.split())[:MAX_NOTE] or DEFAULT_NOTE
    return _save(r, _new(FACTS, fact_id, note, fact.base, "", by))


def _approve_fact(found: Content, proposal: Proposal, by: str, today: dt.date) -> None:
    fact = facts(found.loaded)[proposal.key]
    errors = _errors_with(found, lambda copy: _write_fact(copy, fact, proposal.by, by, today))
    if errors:
        raise Refused(Why.BROKEN, errors)
    _write_fact(found, fact, proposal.by, by, today)


def _write_fact(found: Content, fact: Fact, reviewer: str, approver: str, today: dt.date) -> None:
    """The review date, who reviewed and who approved, into the flow file (its comments and
    layout kept); a node's English texts are then reviewed too, by the same person."""
    english = found.english
    changes = [
        Change(key, english.messages[key].text, True, reviewer=reviewer, on=today)
        for key in fact.say
        if key in english.messages and not english.is_reviewed(key)
    ]
    if changes:
        translations.apply(found, FALLBACK, changes)
    path = found.root / fact.file
    data, problems = read_yaml(path, fact.file)
    values = {
        "last_reviewed": today.isoformat(),
        "reviewed_by": json.dumps(reviewer, ensure_ascii=False),
        "approved_by": json.dumps(approver, ensure_ascii=False),
    }
    after = "sources" if fact.section == "nodes" else "source"
    text = path.read_text(encoding="utf-8")
    new = None if problems else set_fields(text, data, (fact.section, fact.name), values, after)
    if new is None:
        raise TranslationError(
            [f"{fact.file} [{fact.name}]: could not write the review date safely; nothing written"]
        )
    path.write_text(new, encoding="utf-8")


# --- what the console shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One message key in one language, as the Texts page shows it."""

    key: str
    english: str
    translation: str  # '' when the language has none (the English is sent)
    placeholders: list[str]
    sms: str  # segments, encoding and characters of the text as sent
    over: bool  # over the SMS budget
    problems: list[str]  # what `hotline flows check` says about this key in this file
    reviewed: bool
    reviewed_by: str | None
    reviewed_on: dt.date | None
    waiting: list[Proposal]


def rows(found: Content, lang: str, proposals: list[Proposal]) -> list[Row]:
    """Every English key with the language's text, its checks and its review, in the English
    file's order."""
    locale, _ = found.locale(lang)
    shown = f"locales/{lang}.yaml"
    _bundle, problems = content_bundle.check(found.root)
    by_key: dict[str, list[Problem]] = {}
    for p in problems:
        if p.path == shown and p.reason.startswith("["):
            by_key.setdefault(p.reason[1 : p.reason.find("]")], []).append(p)
    directory = directory_texts(found.loaded, locale)
    result = []
    for item in translations.entries(found, lang):
        own = locale.messages.get(item.key)
        sent = fill(item.translation or item.english, directory)
        result.append(
            Row(
                item.key,
                item.english,
                item.translation,
                [f"{{{n}}}" for n in dict.fromkeys(PLACEHOLDER.findall(item.english))],
                sms_summary(sent),
                segments(sent) > BUDGET,
                [f"{p.severity}: {p.reason}" for p in by_key.get(item.key, [])],
                item.reviewed,
                own.reviewed_by if own else None,
                own.reviewed_on if own else None,
                [p for p in proposals if p.key == item.key],
            )
        )
    return result


def proposal_checks(found: Content, proposal: Proposal) -> str:
    """What a waiting text would cost as an SMS, for the reviewer to see beside it."""
    locale, _ = found.locale(proposal.scope)
    return sms_summary(fill(proposal.text, directory_texts(found.loaded, locale)))
