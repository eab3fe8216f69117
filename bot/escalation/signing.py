"""How the hotline signs what it posts to a provider's webhook, and how a provider checks it.

`X-Hotline-Timestamp` is the Unix time of sending; `X-Hotline-Signature` is
`sha256=` + hex HMAC-SHA256(key, timestamp + "." + body). A receiver recomputes it over the raw
body with its copy of the key, compares in constant time, and refuses a timestamp more than
TOLERANCE seconds from its own clock (a replayed request is refused once it is old).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

TOLERANCE = 300  # seconds


def sign(key: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(key: bytes, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    """The receiving side: a right signature over a recent timestamp."""
    if not key or not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE:
        return False
    return hmac.compare_digest(sign(key, int(timestamp), body), signature)


def webhook_problems(
    providers: list[Any], environ: Mapping[str, str] | None = None, production: bool = False
) -> list[str]:
    """Provider webhooks that cannot be signed (their key is not in the environment) or, in
    production, would not go over https."""
    environ = os.environ if environ is None else environ
    problems = []
    for provider in providers:
        hook = provider.webhook
        if hook is None:
            continue
        if not environ.get(hook.secret_env):
            problems.append(
                f"flows/routing.yaml: provider {provider.id!r}: its webhook's signing key "
                f"{hook.secret_env} is not set in the environment"
            )
        if production and not hook.url.startswith("https://"):
            problems.append(
                f"flows/routing.yaml: provider {provider.id!r}: its webhook must be https"
            )
    return problems
