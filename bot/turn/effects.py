"""What one turn does to the world, in one place.

`stage` adds the turn's writes to its atomic commit: the session, a new case with its outbox
entry and its job for the workers, what a person with an open case adds to it, an erasure.
`follow` runs after the commit succeeded: it releases held replies. If a case's job could not
be staged, its outbox entry makes the worker's sweep announce the case anyway.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import redis
from cryptography.fernet import Fernet

from bot import reports
from bot.content.routing import Routing
from bot.db import Writes
from bot.engine import EventType, Turn
from bot.escalation import cases, jobs, queues
from bot.escalation.vault import seal
from bot.turn.inbound import InboundMessage

log = logging.getLogger(__name__)


@dataclass
class Staged:
    """What `follow` needs to know of a committed turn."""

    opened: list[tuple[str, str]] = field(default_factory=list)  # (case id, urgency)
    release_held: bool = False
    promise: tuple[str, int] | None = None  # (language, minutes): when to expect a reply


def stage(
    writes: Writes,
    r: redis.Redis,
    f: Fernet,
    route: Routing,
    pseudo: str,
    msg: InboundMessage,
    turn: Turn,
    case: dict[str, str] | None,
    now: float,
) -> Staged:
    """Add the turn's effects to its commit; nothing here writes to Redis directly."""
    staged = Staged()
    for event in turn.events:
        if event.type == EventType.CASE_OPENED and case and event.data["case"] == case["id"]:
            cases.joined(writes, case["id"], event.data["urgency"], now)  # no new case, no page
        elif event.type == EventType.CASE_OPENED:
            provider = route.provider_for(event.data, route.local_time(now))
            way_back = seal(f, {"address": msg.address, "hotline": msg.to})
            urgent = event.data["urgency"] == queues.URGENT
            minutes = provider.reply_minutes if provider and urgent else None
            if minutes:
                staged.promise = (event.data["lang"], minutes)
            case_id = cases.open_case(
                writes,
                pseudo,
                event.data,
                provider.id if provider else "",
                way_back,
                route.handle_days * 86400,
                now,
                minutes,
            )
            staged.opened.append((case_id, event.data["urgency"]))
            try:  # its job joins the commit; without it, the worker's sweep announces the case
                jobs.announce(r, case_id, event.data["urgency"], writes)
            except Exception:
                log.exception("case %s saved without its job; the sweep will announce it", case_id)
        elif event.type == EventType.ERASED:
            cases.erase_person(r, writes, pseudo)
    reports.count_turn(writes, turn, msg.channel, now)
    if case and turn.session is not None:
        staged.release_held = _follow_case(writes, f, route, case, msg, turn, now)
    return staged


def _follow_case(
    writes: Writes,
    f: Fernet,
    route: Routing,
    case: dict[str, str],
    msg: InboundMessage,
    turn: Turn,
    now: float,
) -> bool:
    """A person with an open case: keep the WhatsApp window's clock, pass their words to the
    staff member, add their new answers. True when replies held for the window can go."""
    assert turn.session is not None
    case_id = case["id"]
    writes.hset(cases.CASE + case_id, {"last_inbound": f"{now:.0f}"})
    answers = {k: v for k, v in turn.session.vars.items() if k != "case"}
    if json.dumps(answers) != case.get("answers"):
        cases.update_answers(writes, case_id, answers)
    if answers.get("contact") == "no":  # they asked not to be written to: no way back
        writes.delete(cases.CASE + case_id + ":handle")
    if any(e.type == EventType.RELAYED for e in turn.events) and msg.text:
        cases.add_message(writes, f, case_id, "person", msg.text, route.thread_hours * 3600, now)
    return case.get("held") == "1"


def follow(r: redis.Redis, staged: Staged, case: dict[str, str] | None) -> None:
    """After the commit: release held replies (new cases were queued in the commit)."""
    if staged.release_held and case is not None:
        jobs.release_held(r, case["id"], case["urgency"])


# Turns an operator needs to see at INFO; plain navigation is DEBUG. Fewer lines with a
# pseudonym's prefix also mean no minute-by-minute trail of one person's conversation in logs.
NOTED = frozenset(
    {
        EventType.CASE_OPENED,
        EventType.RELAYED,
        EventType.ERASED,
        EventType.STOPPED,
        EventType.NODE_MISSING,
    }
)


def log_turn(pseudo_short: str, turn: Turn) -> None:
    level = logging.INFO if any(e.type in NOTED for e in turn.events) else logging.DEBUG
    if not log.isEnabledFor(level):
        return
    session = turn.session
    log.log(
        level,
        "turn p=%s node=%s lang=%s events=%s",
        pseudo_short,
        session.node if session and session.node else "-",
        session.lang if session and session.lang else "-",
        ",".join(e.type for e in turn.events) or "-",
    )
