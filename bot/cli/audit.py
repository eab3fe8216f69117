"""`hotline privacy audit`: what a subpoena of everything we hold would yield, checked.

Scans every Redis key and value (RQ job payloads included, decompressed) and any log files for
phone numbers, WhatsApp ids and stored free text outside encrypted fields. The data inventory
below is the single list of what may be kept; docs/privacy.md is generated from it.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from bot import reports
from bot.content import review, routing
from bot.engine import Bundle
from bot.engine.text import fill
from bot.escalation import alarms, cases, delivery, jobs, local_outbox, queues
from bot.turn import limits, sessions
from bot.web.console import simulator, staff

# Numbers as people and Twilio write them; bare runs of 10+ digits too (a timestamp field is
# checked by name instead).
PHONE = re.compile(
    r"(?:\+\d[\d\s().-]{8,18}\d\b|\+\d{7,15}\b|\(\d{3}\)\s?\d{3}-\d{4}|"
    r"\b\d{3}[-.]\d{3}[-.]\d{4}\b|\b\d{10,15}\b)"
)
WHATSAPP = re.compile(r"whatsapp:\S+", re.IGNORECASE)
# An alien registration number (A-number): A and 8 or 9 digits, however grouped, or 9 digits
# grouped 3-3-3. The bot never asks for one; a person may still send theirs.
A_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])A[\s#:.-]{0,3}\d{2,3}[\s.-]?\d{3}[\s.-]?\d{3}\b|\b\d{3}[\s.-]\d{3}[\s.-]\d{3}\b",
    re.IGNORECASE,
)
FERNET = re.compile(r"^gAAAAA[A-Za-z0-9_=-]+$")
# Fields that hold times or hashes, where a long run of digits is not a number to worry about.
NOT_PHONE_FIELDS = {
    "opened_at",
    "claimed_at",
    "first_reply_at",
    "last_inbound",
    "created",
    "t",
    "f",
    "reply_by",
    "replied_at",
    "base",  # fingerprints (hex) of a proposal's texts
    "source",
}
# A time as RQ and logs write it (2026-12-04T18:44:25.123456Z, +00:00): not a number.
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SPLIT = re.compile(r"\n+|(?<=[.!?。！？؟।۔:])\s+")


@dataclass(frozen=True)
class Kept:
    """One kind of data the hotline keeps."""

    what: str
    where: str
    contents: str
    how_long: str
    who_reads: str


def inventory(route: routing.Routing | None = None) -> list[Kept]:
    """Every kind of data, from the code's own constants."""
    r = route or routing.Routing(spec_version=1, providers=[])
    return [
        Kept(
            "phone number / WhatsApp address",
            "nowhere in plain text",
            "only HMAC-SHA256(HOTLINE_SECRET, address), as the session key",
            "-",
            "nobody",
        ),
        Kept("message text", "nowhere", "in memory for one request; never logged", "-", "nobody"),
        Kept(
            "session",
            f"Redis `{sessions.SESSION}<pseudonym>`",
            "node, language, option answers (topic, area, borough, contact), turn count, "
            "unread pages of the bot's own reply",
            "HOTLINE_SESSION_TTL after the last message (default 24 h); "
            "HOTLINE_STOP_TTL after STOP (default 180 days)",
            "the bot",
        ),
        Kept(
            "answer already given to a MessageSid",
            f"Redis `{sessions.SEEN}<hmac of sid>`",
            "the bot's own reply texts, for Twilio retries",
            f"{sessions.SEEN_TTL // 3600} hours (a replayed request changes nothing)",
            "the bot",
        ),
        Kept(
            "case",
            f"Redis `{cases.CASE}<id>`",
            "topic, urgency, language, channel, borough, option answers, times, status, "
            "assignee, provider; no name, number or free text",
            "until closed, then purged",
            "staff of the provider it is routed to; organizers",
        ),
        Kept(
            "case time line",
            f"Redis `{cases.CASE}<id>:timeline`",
            "what happened and when (opened, notified, claimed by staff name)",
            "until the case closes",
            "the same staff",
        ),
        Kept(
            "case thread",
            f"Redis `{cases.CASE}<id>:thread`",
            "messages between the person and staff, encrypted (Fernet)",
            f"until the case closes, or {r.thread_hours} h (`thread_hours`)",
            "the same staff",
        ),
        Kept(
            "reply handle",
            f"Redis `{cases.CASE}<id>:handle`",
            "the person's address, encrypted (Fernet); erased when they answer No",
            f"until the case closes, or {r.handle_days} days (`handle_days`)",
            "only the send jobs",
        ),
        Kept(
            "delivery status of a case's messages",
            f"Redis `{cases.CASE}<id>{delivery.DELIVERY}`, `{delivery.SID}<message sid>`",
            "per message sent for the case: Twilio's sid, status and error code; no number",
            f"until the case closes (the sid map: at most {delivery.SID_TTL // 86400} days)",
            "the same staff",
        ),
        Kept(
            "local outbox (development without a Twilio account only)",
            f"Redis `{local_outbox.OUTBOX}`",
            "messages the hotline would have sent: masked number and body, encrypted (Fernet)",
            f"the last {local_outbox.KEEP}, for {local_outbox.TTL // 3600} h",
            "organizers",
        ),
        Kept(
            "a person's case ids",
            f"Redis `{cases.OWNED}<pseudonym>`",
            "ids, so DELETE finds every case",
            f"{cases.OWNED_TTL // 86400} days",
            "the bot",
        ),
        Kept(
            "staff audit",
            f"Redis `{cases.AUDIT}`",
            "who logged in (or failed to), claimed, replied, closed, requeued, proposed, "
            "approved or rejected a text (language and key); no text",
            f"last {cases.AUDIT_KEEP} actions",
            "organizers",
        ),
        Kept(
            "staff accounts",
            f"Redis `{staff.STAFF}<name>`, `{staff.BACKUP}<name>`",
            "name, provider, role, languages reviewed, password hash, TOTP secret and the "
            "time step of the last code used, session version, SHA-256 hashes of unused backup "
            "codes",
            "until removed",
            "the console",
        ),
        Kept(
            "proposed texts and fact reviews",
            f"Redis `{review.PROPOSAL}<id>`, `{review.PROPOSALS}`",
            "an organizer's proposed translation (bot content, never a person's message) or "
            "their note on a fact review; language or node, key, fingerprints, proposer, time",
            "until approved (then in the content files) or rejected",
            "organizers",
        ),
        Kept(
            "rate counters",
            f"Redis `{limits.SENDER}...`, `{limits.BUDGET}...`, `{limits.STARTED}...`",
            "counts under HMAC(day key, address); the day key is derived from HOTLINE_SECRET "
            "in each process, never stored",
            "2 minutes (sender), 2 hours (budgets)",
            "the bot",
        ),
        Kept(
            "escalation counters",
            f"Redis `{jobs.PAGES}...`, `{jobs.SENT}...`, `{jobs.ONCE}...`, `{alarms.ALARM}...`",
            "pages per provider and window, sends per hour, what was done per case id, alarms",
            f"up to {jobs.ONCE_TTL // 86400} days",
            "the workers; alarms in the console",
        ),
        Kept(
            "simulator session",
            f"Redis `{simulator.SIM}<staff name>`",
            "an organizer's test conversation (no person involved)",
            f"{simulator.SIM_TTL // 60} minutes",
            "that organizer",
        ),
        Kept(
            "report counters",
            f"Redis `{reports.DAY}<date>`, `{reports.MONTH}<month>`",
            "counts per day (never per hour) by language, channel, topic, urgency, provider, "
            "wait bucket; reports per month by agency, kind, borough or area; no pseudonym, "
            "case id, number or text",
            "HOTLINE_REPORTS_DAYS after the day's last count (default 400 days)",
            "organizers (`hotline reports`, suppressed below HOTLINE_REPORTS_THRESHOLD)",
        ),
        Kept(
            "jobs",
            "Redis `rq:*`",
            "function names and case ids only; results not kept",
            f"finished: at once; failed: {queues.FAILURE_TTL // 3600} h, "
            "or until the case closes or the person sends DELETE",
            "workers; failed jobs in the console",
        ),
        Kept(
            "Twilio's message records",
            "Twilio",
            "bodies and numbers of each SMS/WhatsApp",
            "Twilio's retention: shorten it, and delete records (see README)",
            "Twilio account holders",
        ),
    ]


def inventory_markdown(route: routing.Routing | None = None) -> str:
    rows = "\n".join(
        f"| {k.what} | {k.where} | {k.contents} | {k.how_long} | {k.who_reads} |"
        for k in inventory(route)
    )
    return (
        "# Privacy: the data inventory\n\n"
        "Generated by `hotline privacy inventory` from the code's own constants (a test "
        "checks this file matches). `hotline privacy audit` checks a running system "
        "against it.\n\n"
        "| data | where | contents | how long | who can read it |\n"
        "| --- | --- | --- | --- | --- |\n" + rows + "\n"
    )


def _strings(value: Any, field: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a (possibly JSON) value, with the field name it sits under."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v, field)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        yield field, str(value)


BASE64 = re.compile(r"^[A-Za-z0-9+/]{16,}={0,2}$")


def _unpack(raw: bytes) -> str | None:
    """RQ keeps a job's call and exc_info zlib-compressed, and a result's traceback and return
    value in base64 (of zlib): the text inside, as an attacker with a copy would read it."""
    try:
        return zlib.decompress(raw).decode()
    except (zlib.error, UnicodeDecodeError):
        pass
    if not BASE64.match(raw.decode("latin-1")):
        return None
    try:
        blob = base64.b64decode(raw, validate=True)
    except ValueError:
        return None
    for inflate in (zlib.decompress, bytes):
        try:
            text = inflate(blob).decode()
        except (zlib.error, UnicodeDecodeError):
            continue
        if all(c.isprintable() or c.isspace() for c in text):
            return text
    return None


def _decode(raw: bytes) -> Any:
    text = _unpack(raw)
    if text is None:
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    try:
        return json.loads(text)
    except ValueError:
        return text


CASE_ID = re.compile(rf"\b[{cases.ALPHABET}]{{4}}\b")
MINUTES = re.compile(r"(?<![\d-])\d{1,3}(?![\d-])")  # {reply_minutes}, as filled in


def bot_texts(bundle: Bundle) -> set[str]:
    """Every line and sentence the bot itself can say, in every language ({case} kept)."""
    known: set[str] = set()
    for code, locale in bundle.locales.items():
        hours = {name: bundle.hours_text(name, code) for name in bundle.hours}
        values = {**bundle.directory, **hours, "case": "{case}", "reply_minutes": "{reply_minutes}"}
        for message in locale.messages.values():
            known.update(p.strip() for p in SPLIT.split(fill(message.text, values)))
    for number, code in enumerate(bundle.languages, start=1):  # the language menu's lines
        known.add(f"{number} {bundle.locales[code].name}")
    return known


def _known(piece: str, known: set[str]) -> bool:
    return piece in known or any(piece in k for k in known)


def _free_text(value: Any, known: set[str]) -> list[str]:
    """Lines and sentences that are not the bot's own words."""
    found = []
    for _field, text in _strings(value):
        for piece in SPLIT.split(text):
            piece = piece.strip()
            if (
                piece
                and not _known(piece, known)
                and not _known(CASE_ID.sub("{case}", piece), known)
                and not _known(MINUTES.sub("{reply_minutes}", piece), known)
            ):
                found.append(piece[:40])
    return found


def scan_value(key: str, value: Any, known: set[str], public: set[str]) -> list[str]:
    """`public`: the hotline's own published numbers, which bot replies rightly contain."""
    problems = []
    for field, raw in _strings(value):
        text = raw
        for number in public:
            text = text.replace(number, "")
        if WHATSAPP.search(text):
            problems.append(f"{key}: a WhatsApp id in {field or 'the value'}")
        if (
            field not in NOT_PHONE_FIELDS
            and not field.endswith("_at")  # RQ's times: created_at, execution_started_at, ...
            and not FERNET.match(text)
            and PHONE.search(TIMESTAMP.sub("", UUID.sub("", text)))
        ):
            problems.append(f"{key}: something like a phone number in {field or 'the value'}")
        elif field not in NOT_PHONE_FIELDS and A_NUMBER.search(UUID.sub("", text)):
            problems.append(f"{key}: something like an A-number in {field or 'the value'}")
    if key.startswith(sessions.SEEN) or key.startswith(sessions.SESSION):
        pages = (
            value
            if key.startswith(sessions.SEEN)
            else (value.get("m", []) if isinstance(value, dict) else [])
        )
        for text in _free_text(pages, known):
            problems.append(f"{key}: text that is not the bot's own: {text!r}")
    if key.endswith((":thread", ":handle")):
        for _field, text in _strings(value):
            if not FERNET.match(text):
                problems.append(f"{key}: not encrypted")
    return problems


def _values(r: redis.Redis, key: bytes) -> Iterable[Any]:
    kind = r.type(key)
    if kind == b"string":
        yield _decode(r.get(key) or b"")
    elif kind == b"hash":
        yield {k.decode(): _decode(v) for k, v in r.hgetall(key).items()}
    elif kind == b"list":
        yield [_decode(v) for v in r.lrange(key, 0, -1)]
    elif kind == b"set":
        yield [_decode(v) for v in r.smembers(key)]
    elif kind == b"zset":
        yield [_decode(m) for m, _ in r.zrange(key, 0, -1, withscores=True)]
    elif kind == b"stream":
        yield [{k.decode(): _decode(v) for k, v in fields.items()} for _, fields in r.xrange(key)]


def audit_redis(r: redis.Redis, bundle: Bundle) -> list[str]:
    known = bot_texts(bundle)
    public = {v for v in bundle.directory.values() if PHONE.search(v)}
    problems = []
    for raw_key in r.scan_iter(count=1000):
        key = raw_key.decode("utf-8", "replace")
        if PHONE.search(UUID.sub("", key)) or WHATSAPP.search(key):
            problems.append(f"{key}: the key itself looks like a number")
        for value in _values(r, raw_key):
            problems += scan_value(key, value, known, public)
    return problems


def audit_log(path: Path) -> list[str]:
    problems = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if WHATSAPP.search(line):
                problems.append(f"{path}:{number}: a WhatsApp id")
            elif PHONE.search(re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]?\d*", "", line)):
                problems.append(f"{path}:{number}: something like a phone number")
            elif A_NUMBER.search(line):
                problems.append(f"{path}:{number}: something like an A-number")
    return problems
