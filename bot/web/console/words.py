"""How the console says things: times in the hotline's zone and relative, answers in words,
channels as people name them, and one way to say that something was not given."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

NOT_GIVEN = "not given"
CHANNELS = {"sms": "text message (SMS)", "whatsapp": "WhatsApp"}
QUESTIONS = {  # the answer's key -> the question staff read
    "area": "Where",
    "borough": "Borough",
    "contact": "May we write back",
    "topic": "Asked about",
    "report_what": "What they report",
    "report_agency": "Who was involved",
    "report_when": "When",
}
VALUES = {  # (key, value) -> the answer in words; others: the value with spaces
    ("area", "nyc"): "New York City",
    ("area", "westchester"): "Westchester",
    ("area", "state"): "elsewhere in New York State",
    ("contact", "yes"): "yes",
    ("contact", "no"): "no (do not write back)",
    ("report_agency", "nypd"): "NYPD",
    ("report_agency", "none"): "nobody else",
}
HIDDEN = {"case", "borough"}  # in the page's title and its own line already


def channel(name: str) -> str:
    return CHANNELS.get(name, name or NOT_GIVEN)


def place(borough: str) -> str:
    return borough.replace("_", " ").title() if borough else NOT_GIVEN


def answer(key: str, value: str) -> str:
    if not value:
        return NOT_GIVEN
    if key == "borough":
        return place(value)
    return VALUES.get((key, value), value.replace("_", " "))


def answers(given: dict[str, str]) -> list[tuple[str, str]]:
    """(question, answer) pairs in words, in the order asked."""
    return [
        (QUESTIONS.get(k, k.replace("_", " ").capitalize()), answer(k, str(v)))
        for k, v in given.items()
        if k not in HIDDEN
    ]


def when(timestamp: float, zone: str) -> str:
    """A time as staff in New York read it: 'Dec 4, 1:50 PM EST'."""
    local = dt.datetime.fromtimestamp(timestamp, ZoneInfo(zone))
    return local.strftime("%b %-d, %-I:%M %p %Z")


def ago(timestamp: float, now: float) -> str:
    """How long ago, in words: 'just now', '4 min ago', '2 h 5 min ago', '3 days ago'."""
    seconds = max(0, int(now - timestamp))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min ago" if minutes else f"{hours} h ago"
    return f"{hours // 24} days ago"


def minutes_left(seconds: float) -> str:
    """Time left to a target, or how far past it."""
    minutes = int(abs(seconds) // 60)
    return f"{minutes} min left" if seconds >= 0 else f"{minutes} min late"


FAILURES = (  # (what a failed job's last line contains, what it means and what to do)
    ("TwilioError", "Twilio answered with an error. Retry once Twilio is working again."),
    (
        "ConnectionError",
        "Could not reach the service (a network error, or it is down). Retry once it is back.",
    ),
    ("Timeout", "The service did not answer in time. Retry once it is back."),
    ("HTTPError", "The provider's webhook answered with an error. Ask the provider, then retry."),
    ("URLError", "Could not reach the provider's webhook. Ask the provider, then retry."),
)


def failure(reason: str) -> str:
    """A failed job's reason in plain words (the raw line stays available beside it)."""
    return next((words for found, words in FAILURES if found in reason), "It failed: see details.")
