"""The bundle the engine runs: the files read and checked, then assembled (or refused)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from bot.content import checks, files
from bot.content.files import FALLBACK, REVIEW_DAYS, Loaded
from bot.content.yamlfile import FlowError, Problem
from bot.engine.model import Bundle

_checked: dict[tuple[Any, ...], tuple[Bundle | None, list[Problem]]] = {}


def check(
    root: Path, today: dt.date | None = None, review_days: int = REVIEW_DAYS
) -> tuple[Bundle | None, list[Problem]]:
    """Load and check everything; the bundle is None when any problem is an error. Unchanged
    files are not read twice in a process (each app, worker and test would pay for it)."""
    today = today or dt.datetime.now(dt.UTC).date()
    digest = hashlib.sha256()
    # The bytes, not the times: edits can be quicker than the clock.
    for path, _mtime, _size in files.fingerprint(root):
        digest.update(path.encode() + b"\0" + Path(path).read_bytes())
    key = (str(root.resolve()), digest.hexdigest(), today, review_days)
    if key not in _checked:
        if len(_checked) > 8:
            _checked.clear()
        _checked[key] = _check(root, today, review_days)
    bundle, problems = _checked[key]
    return bundle, list(problems)


def _check(root: Path, today: dt.date, review_days: int) -> tuple[Bundle | None, list[Problem]]:
    loaded = files.parse(root)
    stale: frozenset[str] = frozenset()
    unchecked: frozenset[str] = frozenset()
    if not any(p.severity == "error" for p in loaded.problems):
        files.check_links(loaded)
        files.check_locales(loaded)
        files.unreachable(loaded)
        stale = files.review_due(loaded, today, review_days)
        unchecked = files.unreviewed(loaded)
        checks.run(loaded)
    problems = loaded.problems
    if any(p.severity == "error" for p in problems):
        return None, problems
    return _bundle(loaded, stale, unchecked), problems


def load(root: Path, today: dt.date | None = None, review_days: int = REVIEW_DAYS) -> Bundle:
    """The bundle, or FlowError naming every error; warnings are not fatal."""
    bundle, problems = check(root, today, review_days)
    if bundle is None:
        raise FlowError([p for p in problems if p.severity == "error"])
    return bundle


def _bundle(loaded: Loaded, stale: frozenset[str], unchecked: frozenset[str]) -> Bundle:
    nodes, triggers, start, menu = {}, [], "", ""
    for flow, _ in loaded.flows.values():
        nodes.update(flow.nodes)
        triggers.extend(flow.triggers)
        start = flow.start or start
        menu = flow.menu or menu
    entries = loaded.directory[0].entries if loaded.directory else {}
    directory = {k: e.text for k, e in entries.items() if e.text is not None}
    hours = {k: tuple(e.hours) for k, e in entries.items() if e.hours is not None}
    locales = {locale.language: locale for locale, _ in loaded.locales.values()}
    return Bundle(
        nodes=nodes,
        start=start,
        menu=menu or start,
        triggers=tuple(triggers),
        locales=locales,
        directory=directory,
        version=loaded.digest.hexdigest()[:12],
        fallback=FALLBACK,
        stale=stale,
        unreviewed=unchecked,
        hours=hours,
    )
