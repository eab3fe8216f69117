"""The worker's own log: each RQ line once, redacted."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from rq.logutils import setup_loghandlers

from bot import privacy
from bot.escalation import worker


def test_rq_log_lines_are_written_once_and_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    # As `python -m bot.escalation.worker` starts: the root's handler, then what
    # Worker.work sets up for RQ's own logger. Any handler on stderr writes here too.
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(sys, "stdout", stream)
    root, root_handler = logging.getLogger(), logging.StreamHandler(stream)
    root.addHandler(root_handler)
    rq_logger = logging.getLogger("rq.worker")
    before = (rq_logger.handlers[:], rq_logger.propagate, rq_logger.level)
    try:
        worker.setup_logging()
        setup_loghandlers("INFO")
        rq_logger.info("cleaning registries for queue: urgent")
        rq_logger.info("sending to +17185550123")
    finally:
        root.removeHandler(root_handler)
        for handler in root.handlers:  # pytest's own: leave them as they were
            handler.filters[:] = [
                f for f in handler.filters if not isinstance(f, privacy.RedactFilter)
            ]
        rq_logger.handlers[:], rq_logger.propagate = before[0], before[1]
        rq_logger.setLevel(before[2])
    written = stream.getvalue()
    assert written.count("cleaning registries for queue: urgent") == 1, written
    assert "7185550123" not in written
