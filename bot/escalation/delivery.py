"""Delivery status of each message sent for a case: Twilio's status, its error code and what
that means in plain words. No number, no text: a message sid, the case id and where the message
sits (a reply in the thread, an on-call page, the fallback numbers).

Kept beside the case (`hl:case:<id>:delivery`) and purged with it; the sid -> case map expires.
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis

CASE = "hl:case:"  # the case's prefix (bot.escalation.cases.CASE): + id + DELIVERY
DELIVERY = ":delivery"  # + hash: message ref -> {"sid", "status", "code", "t"}
SID = "hl:sid:"  # + message sid -> "case_id ref", so a status callback finds its message
EARLY = "hl:sid-early:"  # + sid -> a status that arrived before the send recorded its sid
SID_TTL = 7 * 86400  # Twilio stops sending callbacks long before this
EARLY_TTL = 600

# Twilio's message statuses in the order they happen; a late callback never moves one back.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4}
PROGRESS["read"] = 5
FAILED = {"failed", "undelivered", "canceled"}
FINAL = FAILED | {"delivered", "read"}
SHOWN = {"accepted": "queued", "scheduled": "queued", "sending": "sent", "canceled": "failed"}

# What a refused or failed message means, and what staff can do about it.
REASONS: dict[int, str] = {
    21610: "The person opted out (they texted STOP). Nothing more can be sent until they text "
    "START. Close the case or wait for them.",
    21612: "This number cannot be reached by SMS from the hotline (a landline or a carrier that "
    "does not allow it). Nothing was sent. Wait for the person to write again.",
    21614: "This number cannot receive SMS (not a mobile number). Nothing was sent. Wait for the "
    "person to write again.",
    63016: "Outside WhatsApp's 24-hour window: the approved template is being sent instead, and "
    "your reply follows when the person answers it.",
    21211: "The number is not valid. Nothing was sent.",
    21408: "The hotline is not allowed to send to this region. Ask an organizer.",
}
CARRIER = (
    "The carrier could not deliver it (the phone may be off, out of coverage or blocking "
    "messages). Try again later, or wait for the person to write."
)
HOTLINE_REASONS = {  # failures the hotline itself names (no Twilio code)
    "unreachable": "The hotline could not reach Twilio after every retry. It is in Failed jobs: "
    "retry it there once Twilio is reachable.",
    "expired": "The way back to the person has expired (or they asked us not to write back). "
    "Nothing was sent.",
}


def explain(code: str | int | None) -> str:
    """Plain words for a Twilio error code ('' when there is none)."""
    if code in (None, ""):
        return ""
    try:
        number = int(code)  # type: ignore[arg-type]
    except ValueError:
        return HOTLINE_REASONS.get(str(code), f"Twilio error {code}.")
    if 30003 <= number <= 30008:
        return CARRIER
    return REASONS.get(number, f"Twilio error {number}: see twilio.com/docs/api/errors/{number}.")


def shown(status: str) -> str:
    """The status as staff see it: queued, sent, delivered, read, failed or undelivered."""
    return SHOWN.get(status, status)


def _key(case_id: str) -> str:
    return CASE + case_id + DELIVERY


def track(r: redis.Redis, case_id: str, ref: str, sid: str, now: float | None = None) -> None:
    """A message for the case was accepted by Twilio as `sid`: remember where it belongs, and
    apply any status that raced ahead of this."""
    r.set(SID + sid, f"{case_id} {ref}", ex=SID_TTL)
    _write(r, case_id, ref, {"sid": sid, "status": "queued", "code": ""}, now)
    early = r.getdel(EARLY + sid)
    if early:
        status, _, code = early.decode().partition(" ")
        record(r, sid, status, code, now)


def refused(r: redis.Redis, case_id: str, ref: str, code: str, now: float | None = None) -> None:
    """Twilio refused the message outright (or could not be reached): it failed, with a code."""
    _write(r, case_id, ref, {"sid": "", "status": "failed", "code": code}, now, force=True)


def pending(r: redis.Redis, case_id: str, ref: str, now: float | None = None) -> None:
    """A message is waiting in the hotline's own queue to go to Twilio."""
    _write(r, case_id, ref, {"sid": "", "status": "queued", "code": ""}, now)


def record(
    r: redis.Redis, sid: str, status: str, code: str = "", now: float | None = None
) -> str | None:
    """A status callback for `sid`; returns the case id it belongs to (None: not ours)."""
    found = r.get(SID + sid)
    if found is None:
        r.set(EARLY + sid, f"{status} {code}".strip(), ex=EARLY_TTL)
        return None
    case_id, _, ref = found.decode().partition(" ")
    _write(r, case_id, ref, {"sid": sid, "status": status, "code": code}, now)
    return case_id


def _rank(status: str) -> int:
    return 9 if status in FAILED else PROGRESS.get(status, 0)


def _write(
    r: redis.Redis,
    case_id: str,
    ref: str,
    entry: dict[str, str],
    now: float | None = None,
    force: bool = False,
) -> None:
    """Write one message's status, only while the case exists (watched, so a close at the same
    moment leaves nothing behind) and never backwards."""
    case = CASE + case_id
    now = time.time() if now is None else now
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(case, _key(case_id))
                if not pipe.exists(case):
                    return  # closed or erased: its status goes with it
                old = _load(pipe.hget(_key(case_id), ref))
                if not force and old and old.get("sid") == entry["sid"]:
                    if _rank(entry["status"]) <= _rank(old["status"]):
                        return
                written = {**entry, "t": str(round(now))}
                pipe.multi()
                pipe.hset(_key(case_id), ref, json.dumps(written))
                if ref.startswith("reply:"):
                    pipe.hset(case, "reply_status", shown(written["status"]))
                if old is None or shown(old.get("status", "")) != shown(written["status"]):
                    line = f"{describe(ref)}: {shown(written['status'])}"
                    if written["code"]:
                        line += f" (error {written['code']})"
                    pipe.rpush(case + ":timeline", json.dumps({"t": round(now), "what": line}))
                pipe.execute()
                return
            except redis.WatchError:
                continue  # the case or its statuses changed meanwhile: look again


def _load(raw: bytes | None) -> dict[str, Any] | None:
    return json.loads(raw) if raw else None


def describe(ref: str) -> str:
    """What a message ref names, in words for the time line."""
    kind, _, number = ref.partition(":")
    if kind == "reply":
        return f"reply {int(number) + 1}"
    if kind == "page":
        return f"on-call page to contact {int(number) + 1}"
    if kind == "template":
        return "WhatsApp template"
    return "fallback numbers"


def for_case(r: redis.Redis, case_id: str) -> dict[str, dict[str, Any]]:
    """Every tracked message of the case: ref -> status, code, and the reason in words."""
    found = {}
    for ref, raw in r.hgetall(_key(case_id)).items():
        entry = json.loads(raw)
        entry["shown"] = shown(entry["status"])
        entry["reason"] = explain(entry.get("code"))
        found[ref.decode()] = entry
    return found


def in_flight(r: redis.Redis, case_id: str) -> bool:
    """A staff reply has not reached a final status yet."""
    return any(
        ref.startswith("reply:") and entry["status"] not in FINAL
        for ref, entry in for_case(r, case_id).items()
    )
