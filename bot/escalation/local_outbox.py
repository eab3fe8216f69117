"""The local outbox: where outbound messages go in development when no Twilio account is set,
so a newcomer sees every on-call page and staff reply without sending anything.

Never used in production (`Settings.local_outbox`). Each message is kept encrypted (masked
number and body), its status beside it; statuses flow back to the case as Twilio's callbacks
would: queued, sent, delivered.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import redis

from bot.config import Settings
from bot.escalation import delivery
from bot.escalation.vault import fernet, seal, unseal

OUTBOX = "hl:local-outbox"  # list of sealed messages, newest last
STATUS = "hl:local-outbox:status"  # hash: sid -> status
KEEP = 200  # messages
TTL = 86400  # a day after the last message


def mask(address: str) -> str:
    """A number as the outbox shows it: channel, and only the last two digits."""
    channel, _, number = address.rpartition(":")
    shown = "•" * max(len(number) - 3, 3) + number[-2:]
    return f"{channel}:+{shown}" if channel else f"+{shown}"


def put(
    settings: Settings, r: redis.Redis, to: str, body: str | None, template: str | None = None
) -> str:
    """Keep one message as Twilio would send it; returns its sid. Its statuses follow at once."""
    sid = "SM" + secrets.token_hex(16)
    entry = {
        "sid": sid,
        "to": mask(to),
        "body": body if body is not None else f"(WhatsApp template {template})",
        "t": round(time.time()),
    }
    with r.pipeline() as pipe:
        pipe.rpush(OUTBOX, seal(fernet(settings), entry))
        pipe.ltrim(OUTBOX, -KEEP, -1)
        pipe.expire(OUTBOX, TTL)
        pipe.hset(STATUS, sid, "delivered")
        pipe.expire(STATUS, TTL)
        pipe.execute()
    for status in ("sent", "delivered"):  # as Twilio's status callbacks report them
        delivery.record(r, sid, status)
    return sid


def messages(settings: Settings, r: redis.Redis) -> list[dict[str, Any]]:
    """Every message in the outbox, newest first, with its status."""
    f = fernet(settings)
    statuses = {k.decode(): v.decode() for k, v in r.hgetall(STATUS).items()}
    found = []
    for raw in reversed(r.lrange(OUTBOX, 0, -1)):
        entry = unseal(f, raw)
        if entry is not None:
            found.append({**entry, "status": statuses.get(entry["sid"], "queued")})
    return found
