"""The staff console: log in, take cases from the queue, write back, close; failed jobs; for
organizers, texts and facts reviewed by two people."""

# Modules that register their pages on the blueprint.
from bot.web.console import simulator, texts  # noqa: F401
from bot.web.console.views import bp

__all__ = ["bp"]
