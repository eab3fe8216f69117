"""Reading flows/ and locales/ into a Bundle, refusing broken files with file, line and reason."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from bot.content.replies import REPLIES_FILE, Replies
from bot.content.routing import Routing
from bot.content.yamlfile import Problem, line_of, read_yaml, validate
from bot.engine.model import Flow, Hours, Locale
from bot.engine.text import PLACEHOLDER as _PLACEHOLDER

FALLBACK = "en"
DIRECTORY_FILE = "directory.yaml"
ROUTING_FILE = "routing.yaml"  # in flows/, but who takes escalated cases, not a flow
# Texts the engine says itself, so every locale set must have them in the fallback language.
BUILTIN_KEYS = (
    "lang.menu",
    "not_understood",
    "help",
    "stop.done",
    "delete.done",
    "media.unsupported",
    "disclaimer",
    "review.stale",
    "review.none",
    "welcome.machine",
    "more.hint",
    "outage",
    "rate.limited",
    "case.fallback",
)
# Filled at run time, not from the directory: {case} by the engine, {reply_minutes} (the
# provider's target time to a first reply) by the host once it knows the provider.
RUNTIME_PLACEHOLDERS = {"case", "reply_minutes"}
# The words of opening hours (flows/directory.yaml `hours:`), and what the engine fills in them.
HOURS_KEYS = ("hours.weekdays", "hours.weekend", "hours.am", "hours.pm", "hours.span")
HOURS_PLACEHOLDERS = {"hours.am": {"h", "h24"}, "hours.pm": {"h", "h24"}}
HOURS_PLACEHOLDERS["hours.span"] = {"days", "open", "close"}


class DirectoryEntry(BaseModel):
    """A number, address or site (`text`), or opening hours as data (`hours`), never both:
    hours are written in each person's language from the locale's `hours.*` texts."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    hours: list[Hours] | None = None
    source: str
    last_reviewed: Any = None
    reviewed_by: str | None = None  # as on a flow node: who reviewed it, who approved that
    approved_by: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> DirectoryEntry:
        if (self.text is None) == (self.hours is None):
            raise ValueError("give either `text:` or `hours:`")
        return self


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spec_version: Literal[1]
    entries: dict[str, DirectoryEntry]


@dataclass
class Loaded:
    """The parsed files with their raw YAML, kept for locating later problems."""

    root: Path
    flows: dict[str, tuple[Flow, Any]] = field(default_factory=dict)
    locales: dict[str, tuple[Locale, Any]] = field(default_factory=dict)
    directory: tuple[Directory, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    digest: Any = field(default_factory=hashlib.sha256)

    def error(self, shown: str, line: int, reason: str) -> None:
        self.problems.append(Problem(shown, line, reason))

    def warn(self, shown: str, line: int, reason: str) -> None:
        self.problems.append(Problem(shown, line, reason, "warning"))


def _files(folder: Path) -> Iterator[Path]:
    return iter(sorted(folder.glob("*.yaml")) if folder.is_dir() else [])


def parse(root: Path) -> Loaded:
    """Parse and schema-check every file under root/flows and root/locales."""
    loaded = Loaded(root)
    for folder in ("flows", "locales"):
        if not (root / folder).is_dir():
            loaded.error(folder, 1, "folder not found")
    for path in [*_files(root / "flows"), *_files(root / "locales")]:
        shown = str(path.relative_to(root))
        loaded.digest.update(shown.encode() + b"\0" + path.read_bytes())
        data, problems = read_yaml(path, shown)
        loaded.problems += problems
        if data is None:
            continue
        if path.parent.name == "locales":
            locale, problems = validate(Locale, data, shown)
            if locale is not None and locale.language != path.stem:
                problems.append(
                    Problem(
                        shown,
                        line_of(data, ("language",)),
                        f"language {locale.language!r} does not match the file "
                        f"name (expected {path.stem!r})",
                    )
                )
            elif locale is not None:
                loaded.locales[shown] = (locale, data)
        elif path.name == DIRECTORY_FILE:
            directory, problems = validate(Directory, data, shown)
            if directory is not None:
                loaded.directory = (directory, data)
        elif path.name == ROUTING_FILE:
            _routing, problems = validate(Routing, data, shown)
        elif path.name == REPLIES_FILE:
            _replies, problems = validate(Replies, data, shown)
        else:
            flow, problems = validate(Flow, data, shown)
            if flow is not None:
                loaded.flows[shown] = (flow, data)
        loaded.problems += problems
    return loaded


def check_links(loaded: Loaded) -> None:
    """Cross-file checks that refuse a bundle: targets, keys and the start node."""
    nodes: dict[str, str] = {}
    starts = []
    for shown, (flow, data) in loaded.flows.items():
        for node_id in flow.nodes:
            if node_id in nodes:
                loaded.error(
                    shown,
                    line_of(data, ("nodes", node_id)),
                    f"node {node_id!r} is already defined in {nodes[node_id]}",
                )
            nodes.setdefault(node_id, shown)
        if flow.start:
            starts.append((shown, flow, data))
    if not starts and loaded.flows:
        first = next(iter(loaded.flows))
        loaded.error(first, 1, "no flow declares `start:` (the node a new conversation enters)")
    for shown, _flow, data in starts[1:]:
        loaded.error(
            shown, line_of(data, ("start",)), f"`start:` is already declared in {starts[0][0]}"
        )

    english = _fallback_locale(loaded)
    for shown, (flow, data) in loaded.flows.items():
        for field_name in ("start", "menu"):
            target = getattr(flow, field_name)
            if target and target not in nodes:
                loaded.error(
                    shown, line_of(data, (field_name,)), f"{field_name}: no node named {target!r}"
                )
        for i, trigger in enumerate(flow.triggers):
            where: tuple[Any, ...] = ("triggers", i)
            for field_name in ("go", "ask", "urgent"):
                target = getattr(trigger, field_name)
                if target is not None and target not in nodes:
                    loaded.error(
                        shown,
                        line_of(data, (*where, field_name)),
                        f"trigger {field_name}: no node named {target!r}",
                    )
            if english and trigger.words not in english.words:
                loaded.error(
                    shown,
                    line_of(data, (*where, "words")),
                    f"trigger words: no word list {trigger.words!r} in locales/en.yaml",
                )
        for node_id, node in flow.nodes.items():
            at = ("nodes", node_id)
            tag = f"[{node_id}]"
            if node.go and node.go not in nodes:
                loaded.error(
                    shown, line_of(data, (*at, "go")), f"{tag} go: no node named {node.go!r}"
                )
            if node.with_media and node.with_media not in nodes:
                loaded.error(
                    shown,
                    line_of(data, (*at, "with_media")),
                    f"{tag} with_media: no node named {node.with_media!r}",
                )
            if not (node.options or node.go or node.switch or node.end):
                loaded.error(
                    shown,
                    line_of(data, at),
                    f"{tag} dead end: give it options, a `go:`, a `switch:` or `end: true`",
                )
            if node.switch is not None:
                targets = [*node.switch.cases.values(), node.switch.default]
                for target in targets:
                    if target not in nodes:
                        loaded.error(
                            shown,
                            line_of(data, (*at, "switch")),
                            f"{tag} switch: no node named {target!r}",
                        )
            numbers: dict[int, int] = {}
            for i, option in enumerate(node.options):
                where = (*at, "options", i)
                if option.go not in nodes:
                    loaded.error(
                        shown,
                        line_of(data, (*where, "go")),
                        f"{tag} option go: no node named {option.go!r}",
                    )
                if option.number is None and option.words is None:
                    loaded.error(
                        shown, line_of(data, where), f"{tag} option needs a `number:` or `words:`"
                    )
                if option.number is not None and option.number in numbers:
                    loaded.error(
                        shown,
                        line_of(data, (*where, "number")),
                        f"{tag} option number {option.number} is used twice",
                    )
                if option.number is not None:
                    numbers[option.number] = i
                if english and option.words and option.words not in english.words:
                    loaded.error(
                        shown,
                        line_of(data, (*where, "words")),
                        f"{tag} option words: no word list {option.words!r} in locales/en.yaml",
                    )
            if english:
                keys = [*node.say, *([node.prompt] if node.prompt else [])]
                for key in keys:
                    if key not in english.messages:
                        field_name = "say" if key in node.say else "prompt"
                        loaded.error(
                            shown,
                            line_of(data, (*at, field_name)),
                            f"{tag} message key {key!r} is not in locales/en.yaml",
                        )


def _fallback_locale(loaded: Loaded) -> Locale | None:
    for locale, _data in loaded.locales.values():
        if locale.language == FALLBACK:
            return locale
    if loaded.locales or loaded.flows:
        loaded.error("locales", 1, f"the fallback locale {FALLBACK}.yaml is missing")
    return None


def check_locales(loaded: Loaded) -> None:
    """Built-in keys in English; placeholders known; per-language gaps are warnings."""
    english = _fallback_locale(loaded)
    if english is None:
        return
    directory = loaded.directory[0].entries if loaded.directory else {}
    english_shown = f"locales/{FALLBACK}.yaml"
    needed = [*BUILTIN_KEYS, *(HOURS_KEYS if any(e.hours for e in directory.values()) else ())]
    for key in needed:
        if key not in english.messages:
            loaded.error(english_shown, 1, f"message {key!r} is required (the bot says it itself)")
    for shown, (locale, data) in loaded.locales.items():
        for key, message in locale.messages.items():
            line = line_of(data, ("messages", key))
            for name in _PLACEHOLDER.findall(message.text):
                if name in HOURS_PLACEHOLDERS.get(key, ()):
                    continue
                if name not in directory and name not in RUNTIME_PLACEHOLDERS:
                    loaded.error(
                        shown,
                        line,
                        f"[{key}] placeholder {{{name}}} is not in flows/{DIRECTORY_FILE}",
                    )
            if key not in english.messages:
                loaded.warn(shown, line, f"[{key}] is not in {english_shown}: nothing uses it")
            else:
                english_text = english.messages[key].text
                for reason in placeholder_differences(english_text, message.text, key):
                    loaded.error(shown, line, f"[{key}] {reason}")
        if locale.language != FALLBACK:
            missing = sorted(set(english.messages) - set(locale.messages))
            for key in missing:
                loaded.warn(shown, 1, f"[{key}] missing: the English text is sent instead")


def placeholder_differences(english: str, translation: str, key: str = "") -> list[str]:
    """Why a translation's {placeholders} differ from the English text's; empty when they match."""
    source, target = _PLACEHOLDER.findall(english), _PLACEHOLDER.findall(translation)
    if key in ("hours.am", "hours.pm"):  # a 12-hour {h} or a 24-hour {h24}: either will do
        source, target = (
            [n.replace("h24", "h") for n in source],
            [n.replace("h24", "h") for n in target],
        )
    reasons = [
        f"placeholder {{{name}}} is missing from the translation"
        for name in dict.fromkeys(source)
        if name not in target
    ]
    reasons += [
        f"placeholder {{{name}}} is not in the English text"
        for name in dict.fromkeys(target)
        if name not in source
    ]
    return reasons


def unreachable(loaded: Loaded) -> None:
    """Nodes nothing leads to are warnings: harmless, but usually an unfinished edit."""
    edges: dict[str, set[str]] = {}
    roots: set[str] = set()
    for flow, _ in loaded.flows.values():
        roots.update(t for t in (flow.start, flow.menu) if t)
        roots.update(t for tr in flow.triggers for t in (tr.go, tr.ask, tr.urgent) if t)
        for node_id, node in flow.nodes.items():
            edges[node_id] = {o.go for o in node.options} | {
                n for n in (node.go, node.with_media) if n
            }
            if node.switch is not None:
                edges[node_id] |= {*node.switch.cases.values(), node.switch.default}
    seen, todo = set(), list(roots)
    while todo:
        node_id = todo.pop()
        if node_id not in seen:
            seen.add(node_id)
            todo.extend(edges.get(node_id, ()))
    for shown, (flow, data) in loaded.flows.items():
        for node_id in flow.nodes:
            if node_id not in seen:
                loaded.warn(
                    shown,
                    line_of(data, ("nodes", node_id)),
                    f"[{node_id}] unreachable: no option, go or trigger leads here",
                )


REVIEW_DAYS = 180  # facts older than this get a "check the latest" note and a warning


def review_due(loaded: Loaded, today: dt.date, review_days: int) -> frozenset[str]:
    """Sourced nodes need a review date; those past the review age are reported and marked."""
    stale = set()
    for shown, (flow, data) in loaded.flows.items():
        for node_id, node in flow.nodes.items():
            at = ("nodes", node_id)
            if node.sources and node.last_reviewed is None:
                continue  # not reviewed by a person yet: see `unreviewed`
            if node.last_reviewed is not None and not node.sources:
                loaded.error(
                    shown,
                    line_of(data, (*at, "last_reviewed")),
                    f"[{node_id}] has a review date but no sources",
                )
            elif node.last_reviewed and (today - node.last_reviewed).days > review_days:
                stale.add(node_id)
                loaded.warn(
                    shown,
                    line_of(data, (*at, "last_reviewed")),
                    f"[{node_id}] last reviewed {node.last_reviewed}, more than "
                    f"{review_days} days ago: review it",
                )
    return frozenset(stale)


def unreviewed(loaded: Loaded) -> frozenset[str]:
    """Sourced nodes no person has reviewed yet (no `last_reviewed:`): the bot says so after
    their facts (`review.none`), and the check warns once per file."""
    nodes = set()
    for shown, (flow, data) in loaded.flows.items():
        found = [
            node_id
            for node_id, node in flow.nodes.items()
            if node.sources and not node.last_reviewed
        ]
        if found:
            loaded.warn(
                shown,
                line_of(data, ("nodes", found[0])),
                f"{len(found)} node(s) with sources have no last_reviewed date: no person has "
                "reviewed their facts, so the bot adds the review.none note "
                f"({', '.join(found[:5])}{', ...' if len(found) > 5 else ''})",
            )
        nodes.update(found)
    return frozenset(nodes)


def fingerprint(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, modification times and sizes of the content files: changes when any file does."""
    stats = []
    for path in sorted([*root.glob("flows/*.yaml"), *root.glob("locales/*.yaml")]):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed between glob and stat: the next look sees it
            continue
        stats.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stats)
