"""The pure flow engine: it imports no Flask, Redis or RQ and reads no clock."""

from bot.engine.advance import advance, prepare
from bot.engine.model import (
    SPEC_VERSION,
    Bundle,
    Event,
    EventType,
    Flow,
    Inbound,
    Locale,
    Node,
    Reply,
    Session,
    Turn,
)

__all__ = [
    "SPEC_VERSION",
    "Bundle",
    "Event",
    "EventType",
    "Flow",
    "Inbound",
    "Locale",
    "Node",
    "Reply",
    "Session",
    "Turn",
    "advance",
    "prepare",
]
