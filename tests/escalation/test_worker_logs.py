"""The worker's own log: each RQ line once, redacted."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from bot.escalation import worker


def test_rq_log_lines_are_written_once_and_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    # As `python -m bot.escalation.worker` starts: a root handler (basicConfig), then RQ's.
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    root, root_handler = logging.getLogger(), logging.StreamHandler(stream)
    root.addHandler(root_handler)
    loggers = [logging.getLogger(name) for name in worker.RQ_LOGGERS]
    before = [(logger.handlers[:], logger.propagate, logger.level) for logger in loggers]
    try:
        worker.redact_rq_logs()
        rq_logger = logging.getLogger("rq.worker")
        rq_logger.setLevel(logging.INFO)
        rq_logger.info("cleaning registries for queue: urgent")
        rq_logger.info("sending to +17185550123")
    finally:
        root.removeHandler(root_handler)
        for logger, (handlers, propagate, level) in zip(loggers, before, strict=True):
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.setLevel(level)
    written = stream.getvalue()
    assert written.count("cleaning registries for queue: urgent") == 1, written
    assert "7185550123" not in written
