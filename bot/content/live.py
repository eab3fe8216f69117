"""Flows, locales and routing as files change: reload without downtime, refuse broken edits.

Each process checks the files' fingerprint at most every `interval` seconds. A valid change is
live on the next message; a broken one is refused with file, line and reason in the log, and
the version already loaded keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.content import bundle as content_bundle
from bot.content import routing
from bot.content.files import fingerprint
from bot.content.yamlfile import FlowError
from bot.engine import Bundle

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    bundle: Bundle
    routing: routing.Routing


class LiveContent:
    def __init__(self, root: Path, review_days: int, interval: float = 2.0) -> None:
        self.root, self.review_days, self.interval = root, review_days, interval
        self._lock = threading.Lock()
        self._seen = fingerprint(root)
        self.current = self._load()  # at start a broken file is fatal: nothing to fall back on
        self._checked = time.monotonic()

    def _load(self) -> Content:
        return Content(
            content_bundle.load(self.root, review_days=self.review_days), routing.load(self.root)
        )

    def get(self) -> Content:
        if time.monotonic() - self._checked >= self.interval:
            self.refresh()
        return self.current

    def refresh(self) -> bool:
        """Reload if the files changed; True when a new version went live."""
        with self._lock:
            self._checked = time.monotonic()
            seen = fingerprint(self.root)
            if seen == self._seen:
                return False
            self._seen = seen
            try:
                loaded = self._load()
            except FlowError as exc:
                log.error(
                    "flows changed but are refused; the previous version keeps serving:\n%s", exc
                )
                return False
            self.current = loaded
            log.info("flows reloaded: version %s", loaded.bundle.version)
            return True
