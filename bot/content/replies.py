"""flows/replies.yaml: canned replies staff pick on a case page, each a message key whose texts
live in locales/ like every other text (with reviewed flags)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.content.yamlfile import FlowError, Problem, read_yaml, validate

REPLIES_FILE = "replies.yaml"


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Canned(_Spec):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str  # what staff read in the picker (English)
    key: str  # the message key in locales/<lang>.yaml


class Replies(_Spec):
    spec_version: Literal[1]
    replies: list[Canned] = []


def load(root: Path) -> Replies:
    """Read flows/replies.yaml; an absent file means no canned replies."""
    path = root / "flows" / REPLIES_FILE
    if not path.exists():
        return Replies(spec_version=1)
    data, problems = read_yaml(path, f"flows/{REPLIES_FILE}")
    if data is not None:
        replies, more = validate(Replies, data, f"flows/{REPLIES_FILE}")
        problems += more
        if replies is not None and not problems:
            return replies
    raise FlowError(problems or [Problem(f"flows/{REPLIES_FILE}", 1, "unreadable")])
