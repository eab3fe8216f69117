"""Encryption at rest for the two things that must come back out: reply handles and threads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bot.config import Settings


def fernet(settings: Settings) -> Fernet:
    """HOTLINE_FERNET_KEY when set; otherwise a key derived from HOTLINE_SECRET (its own label,
    so the pseudonym key and the encryption key are never the same bytes)."""
    key = settings.fernet_key
    if not key:
        raw = hmac.new(settings.secret.encode(), b"hotline fernet key v1", hashlib.sha256).digest()
        key = base64.urlsafe_b64encode(raw).decode()
    return Fernet(key.encode())


def seal(f: Fernet, value: Any) -> bytes:
    return f.encrypt(json.dumps(value, ensure_ascii=False).encode())


def unseal(f: Fernet, token: bytes | str) -> Any:
    try:
        return json.loads(f.decrypt(token if isinstance(token, bytes) else token.encode()))
    except InvalidToken:
        return None  # a rotated key or a damaged value: treat as gone, never crash a job
