"""The staff console: log in, take cases from the queue, write back, close; failed jobs."""

from bot.web.console import simulator  # noqa: F401  registers the simulator's pages on the blueprint
from bot.web.console.views import bp

__all__ = ["bp"]
