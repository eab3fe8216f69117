"""Staff accounts in Redis: hashed passwords, a second factor (TOTP and one-time backup codes),
a provider, a role, the languages an organizer reviews, a session version; and the login
throttle."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import pyotp
import redis
from werkzeug.security import check_password_hash, generate_password_hash

from bot import db

STAFF = "hl:staff:"  # + name -> hash of the account
BACKUP = "hl:staff-backup:"  # + name -> set of SHA-256 hashes of unused backup codes
THROTTLE = "hl:login:"  # + "ip:"/"who:" + hash -> failures in the window; + "wait:" -> a delay
WINDOW = 900  # failures are forgotten a quarter hour after the last one
FREE_TRIES = {"who": 5, "ip": 30}  # failures before delays start: per name+address, per address
MAX_DELAY = 300  # seconds: delays double per failure up to this, never a lock
MAX_NAME = 64
BACKUP_CODES = 10
ISSUER = "Rights hotline"
Role = Literal["staff", "organizer"]
# Unknown names are checked against this, so they cost what a real account costs.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Staff:
    name: str
    provider: str
    role: Role
    version: int = 0  # bumped by logout, reset and removal: every older session ends
    # What this organizer may approve: language codes (texts) and "facts" (flow review dates).
    reviews: frozenset[str] = field(default_factory=frozenset)

    def sees(self, case: dict[str, str]) -> bool:
        """Staff see their provider's cases; organizers see every case."""
        return self.role == "organizer" or case.get("provider") == self.provider


@dataclass(frozen=True)
class Enrollment:
    """What a new account's holder needs once: the TOTP secret (as a URI and a QR code in the
    console) and ten backup codes. Only hashes of the codes are kept."""

    uri: str
    backup_codes: list[str]


def _check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise ValueError(f"the name must have 1 to {MAX_NAME} printable characters")


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def add(
    r: redis.Redis,
    name: str,
    password: str,
    provider: str,
    role: Role,
    reviews: Iterable[str] = (),
) -> Enrollment:
    """Create an account, or replace one (a reset): a new password and a new second factor;
    every session of the old one ends."""
    _check_name(name)
    reviews = _check_reviews(role, reviews)
    if len(password) < 10:
        raise ValueError("the password must have at least 10 characters")
    totp_secret = pyotp.random_base32()
    codes = [secrets.token_hex(5) for _ in range(BACKUP_CODES)]
    with r.pipeline() as pipe:
        pipe.hset(
            STAFF + name,
            mapping={
                "name": name,
                "provider": provider,
                "role": role,
                "reviews": ",".join(reviews),
                "password": generate_password_hash(password),
                "totp": totp_secret,
                "enrolled_at": "",  # set once a code from the authenticator app is shown
                "created": f"{time.time():.0f}",
            },
        )
        pipe.hdel(STAFF + name, "totp_step")  # a new authenticator: its codes are all new
        pipe.hincrby(STAFF + name, "version", 1)
        pipe.delete(BACKUP + name)
        pipe.sadd(BACKUP + name, *[_hash_code(c) for c in codes])
        pipe.execute()
    return Enrollment(totp_uri(name, totp_secret), codes)


def totp_uri(name: str, totp_secret: str) -> str:
    return pyotp.TOTP(totp_secret).provisioning_uri(name=name, issuer_name=ISSUER)


def reset(r: redis.Redis, name: str, password: str) -> Enrollment:
    account = get(r, name)
    if account is None:
        raise KeyError(name)
    return add(r, name, password, account.provider, account.role, account.reviews)


def _check_reviews(role: Role, reviews: Iterable[str]) -> list[str]:
    found = sorted(set(reviews))
    if found and role != "organizer":
        raise ValueError("only organizers review: give the account --role organizer")
    if any(not code or "," in code or not code.isprintable() for code in found):
        raise ValueError("reviews are language codes (es, fr) or facts")
    return found


def set_reviews(r: redis.Redis, name: str, reviews: Iterable[str]) -> Staff:
    """What the account may approve from now on (its next page load already knows)."""
    account = get(r, name)
    if account is None:
        raise KeyError(name)
    r.hset(STAFF + name, "reviews", ",".join(_check_reviews(account.role, reviews)))
    found = get(r, name)
    assert found is not None
    return found


def remove(r: redis.Redis, name: str) -> bool:
    """The account goes, and with it every session (their version no longer matches)."""
    return bool(r.delete(STAFF + name, BACKUP + name))


def names(r: redis.Redis) -> list[Staff]:
    found = []
    for key in r.scan_iter(match=STAFF + "*", count=1000):
        account = get(r, key.decode().removeprefix(STAFF))
        if account is not None:
            found.append(account)
    return sorted(found, key=lambda a: a.name)


def get(r: redis.Redis, name: str) -> Staff | None:
    if len(name) > MAX_NAME:
        return None
    data = {k.decode(): v.decode() for k, v in r.hgetall(STAFF + name).items()}
    if not data:
        return None
    role: Role = "organizer" if data["role"] == "organizer" else "staff"
    reviews = frozenset(c for c in data.get("reviews", "").split(",") if c)
    return Staff(data["name"], data["provider"], role, int(data.get("version", 0)), reviews)


def end_sessions(r: redis.Redis, name: str) -> None:
    """Logout: every session of this account, in every browser, ends."""
    if r.exists(STAFF + name):
        r.hincrby(STAFF + name, "version", 1)


def enrolled(r: redis.Redis, name: str) -> bool:
    return bool(r.hget(STAFF + name, "enrolled_at"))


def enrollment_uri(r: redis.Redis, name: str) -> str | None:
    """The otpauth:// URI, shown (with its QR code) only until the first code confirms it."""
    if enrolled(r, name):
        return None
    totp_secret = r.hget(STAFF + name, "totp")
    return totp_uri(name, totp_secret.decode()) if totp_secret else None


# --- the throttle: growing delays per name and address, and per address ---------------------


def _throttle_keys(name: str, address: str) -> dict[str, str]:
    who = hashlib.sha256(f"{name[:MAX_NAME]}\n{address}".encode()).hexdigest()[:32]
    ip = hashlib.sha256(address.encode()).hexdigest()[:32]
    return {"who": f"{THROTTLE}who:{who}", "ip": f"{THROTTLE}ip:{ip}"}


def _delay(failures: int, free: int) -> int:
    return 0 if failures <= free else min(2 ** (failures - free - 1), MAX_DELAY)


def attempt(r: redis.Redis, name: str, address: str) -> int:
    """Count this attempt as a failure before any check (so parallel guesses all count), and
    say how long to wait (0: go on). Past the free tries, one attempt per growing delay is let
    through; a stranger elsewhere cannot slow down the real staffer's own address."""
    keys = _throttle_keys(name, address)
    with r.pipeline() as pipe:
        for key in keys.values():
            pipe.incr(key)
            pipe.expire(key, WINDOW)
        counts = pipe.execute()[::2]
    wait = 0
    for (kind, key), failures in zip(keys.items(), counts, strict=True):
        delay = _delay(int(failures), FREE_TRIES[kind])
        # One attempt wins each delay window; the others are told to wait.
        if delay and not r.set(key + ":wait", 1, nx=True, ex=delay):
            wait = max(wait, int(r.ttl(key + ":wait")) or delay)
    return wait


def succeeded(r: redis.Redis, name: str, address: str) -> None:
    """A right answer takes back this name and address's failures (not the address's)."""
    keys = _throttle_keys(name, address)
    r.delete(keys["who"], keys["who"] + ":wait")
    r.decr(keys["ip"])


def check_password(r: redis.Redis, name: str, password: str) -> Staff | None:
    """The account when the password is right. Unknown names cost the same hash check."""
    stored = r.hget(STAFF + name, "password") if len(name) <= MAX_NAME else None
    right = check_password_hash(stored.decode() if stored else _DUMMY_HASH, password)
    return get(r, name) if stored and right else None


def check_second_factor(r: redis.Redis, name: str, code: str) -> bool:
    """A TOTP code from the authenticator (the previous, current or next 30 s) later than the
    last one accepted, or an unused backup code, which is then gone. The first right TOTP code
    completes enrollment."""
    code = code.strip().replace(" ", "")
    totp_secret = r.hget(STAFF + name, "totp")
    if totp_secret and code.isdigit() and len(code) == 6:
        totp = pyotp.TOTP(totp_secret.decode())
        now = time.time()
        step = int(now // totp.interval)
        for offset in (-1, 0, 1):
            if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
                # A code works once (RFC 6238, 5.2): one seen over a shoulder or through a
                # phishing page cannot open a second session, nor can an older one.
                accepted = db.script(r, _ACCEPT_STEP)(
                    keys=[STAFF + name], args=[step + offset, f"{now:.0f}"]
                )
                return bool(accepted)
        return False
    return bool(code) and bool(r.srem(BACKUP + name, _hash_code(code)))


# Accept an authenticator code's time step only if it is later than the last one accepted.
_ACCEPT_STEP = """
if tonumber(ARGV[1]) <= tonumber(redis.call('HGET', KEYS[1], 'totp_step') or '-1') then
  return 0
end
redis.call('HSET', KEYS[1], 'totp_step', ARGV[1], 'enrolled_at', ARGV[2])
return 1
"""
