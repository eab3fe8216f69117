"""The staff console: log in, take cases from the queue, write back, close; failed jobs."""

from .views import bp

__all__ = ["bp"]
