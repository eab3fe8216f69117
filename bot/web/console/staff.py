"""Staff accounts in Redis: hashed passwords, a provider, a role; and the login rate limit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import redis
from werkzeug.security import check_password_hash, generate_password_hash

STAFF = "hl:staff:"  # + name -> hash of the account
FAILURES = "hl:login-fail:"  # + name -> failed logins in the current window
MAX_FAILURES, WINDOW = 5, 900  # five wrong passwords lock the name for a quarter hour
Role = Literal["staff", "organizer"]


@dataclass(frozen=True)
class Staff:
    name: str
    provider: str
    role: Role

    def sees(self, case: dict[str, str]) -> bool:
        """Staff see their provider's cases; organizers see every case."""
        return self.role == "organizer" or case.get("provider") == self.provider


def add(r: redis.Redis, name: str, password: str, provider: str, role: Role) -> None:
    if len(password) < 10:
        raise ValueError("the password must have at least 10 characters")
    r.hset(
        STAFF + name,
        mapping={
            "name": name,
            "provider": provider,
            "role": role,
            "password": generate_password_hash(password),
            "created": f"{time.time():.0f}",
        },
    )


def get(r: redis.Redis, name: str) -> Staff | None:
    data = {k.decode(): v.decode() for k, v in r.hgetall(STAFF + name).items()}
    if not data:
        return None
    return Staff(data["name"], data["provider"], data["role"])  # type: ignore[arg-type]


def locked_out(r: redis.Redis, name: str) -> bool:
    return int(r.get(FAILURES + name) or 0) >= MAX_FAILURES


def login(r: redis.Redis, name: str, password: str) -> Staff | None:
    """The account when the password is right; counts failures (even for unknown names)."""
    if locked_out(r, name):
        return None
    stored = r.hget(STAFF + name, "password")
    if stored and check_password_hash(stored.decode(), password):
        r.delete(FAILURES + name)
        return get(r, name)
    pipe = r.pipeline()
    pipe.incr(FAILURES + name)
    pipe.expire(FAILURES + name, WINDOW)
    pipe.execute()
    return None
