from __future__ import annotations

import socket

from celery import shared_task
from django.db import connection


@shared_task(name="trustdesk.ping")
def ping() -> dict[str, object]:
    """Round trip through the broker to a worker that has Django and its database: for health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (database_ok,) = cursor.fetchone()
    return {"worker": socket.gethostname(), "database": database_ok == 1}
