"""flows/routing.yaml: legal-service providers, what they take, who is on call, where to post."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from bot.content.yamlfile import FlowError, Problem, read_yaml, validate

ANY = "any"
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OnCall(_Spec):
    days: list[Day] = list(DAYS)
    start: str = Field("00:00", alias="from", pattern=r"^\d\d:\d\d$")
    to: str = Field("24:00", pattern=r"^\d\d:\d\d$")

    def covers(self, when: dt.datetime) -> bool:
        day = DAYS[when.weekday()]
        return day in self.days and self.start <= when.strftime("%H:%M") < self.to


class Webhook(_Spec):
    url: str
    secret_env: str  # the signing key stays in the environment, never in this file


class Provider(_Spec):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    topics: list[str] = [ANY]
    urgencies: list[str] = [ANY]
    languages: list[str] = [ANY]
    boroughs: list[str] = [ANY]
    on_call: OnCall = OnCall()
    contacts: list[str] = []
    webhook: Webhook | None = None
    reply_minutes: int = Field(30, ge=1)  # the target time to a first reply, urgent cases

    def takes(self, case: dict[str, Any]) -> bool:
        wanted = {
            "topics": case.get("topic"),
            "urgencies": case.get("urgency"),
            "languages": case.get("lang"),
            "boroughs": case.get("borough") or ANY,
        }
        return all(ANY in getattr(self, f) or v in getattr(self, f) for f, v in wanted.items())


class Routing(_Spec):
    spec_version: Literal[1]
    ack_minutes: int = Field(10, ge=1)
    handle_days: int = Field(7, ge=1)
    thread_hours: int = Field(72, ge=1)
    timezone: str = "America/New_York"  # the zone of every provider's on-call hours
    topics: dict[str, str] = {}
    providers: list[Provider]

    def local_time(self, timestamp: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(timestamp, ZoneInfo(self.timezone))

    def provider_for(self, case: dict[str, Any], when: dt.datetime) -> Provider | None:
        """The first provider that takes this case and is on call at `when`; None when every
        provider that takes it is off duty (the person then gets the numbers to call)."""
        return next((p for p in self.providers if p.takes(case) and p.on_call.covers(when)), None)

    def provider(self, provider_id: str) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)

    def label(self, topic: str) -> str:
        return self.topics.get(topic, topic.replace("_", " "))


def load(root: Path) -> Routing:
    """Read flows/routing.yaml; an absent file means one catch-all provider with no contacts."""
    path = root / "flows" / "routing.yaml"
    if not path.exists():
        return Routing(spec_version=1, providers=[Provider(id="default", name="Hotline staff")])
    data, problems = read_yaml(path, "flows/routing.yaml")
    if data is not None:
        routing, more = validate(Routing, data, "flows/routing.yaml")
        problems += more
        if routing is not None and not problems:
            return routing
    raise FlowError(problems or [Problem("flows/routing.yaml", 1, "unreadable")])
