"""Project-wide tasks, and the retry policy every app's tasks share."""

from __future__ import annotations

import socket
from collections.abc import Callable

from celery import Task, shared_task
from django.db import connection

MAX_RETRIES = 8


def retry_or_give_up(
    task: Task,  # type: ignore[type-arg]
    exc: Exception,
    give_up: Callable[[str], None],
    *,
    max_retries: int = MAX_RETRIES,
) -> Exception | None:
    """The retry to raise, or None once `max_retries` are spent and `give_up` recorded why."""
    if task.request.retries >= max_retries:
        give_up(f"Gave up after {max_retries} retries: {exc}")
        return None
    return retry_later(task, exc, max_retries=max_retries)


def retry_later(task: Task, exc: Exception, *, max_retries: int = MAX_RETRIES) -> Exception:  # type: ignore[type-arg]
    """Retry after the vendor's Retry-After, else with exponential backoff capped at 10 minutes."""
    retry_after = getattr(exc, "retry_after", None)
    countdown = retry_after if retry_after is not None else min(600, 15 * 2**task.request.retries)
    return task.retry(exc=exc, countdown=countdown, max_retries=max_retries)


@shared_task(name="trustdesk.ping")
def ping() -> dict[str, object]:
    """Round trip through the broker to a worker that has Django and its database: for health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (database_ok,) = cursor.fetchone()
    return {"worker": socket.gethostname(), "database": database_ok == 1}
