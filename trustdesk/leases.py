"""Leases on a row: a datetime column that, while in the future, says one process is working on the row.

They replace row locks where the work includes an HTTP call: a transaction held across the call
would, on SQLite, block every other writer. Take a lease with one conditional UPDATE filtered by
`lease_free(...)`; clear the column when done; a crashed holder's lease simply expires.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q


def lease_free(field: str, now: datetime) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": now})
