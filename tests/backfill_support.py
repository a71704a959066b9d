"""For tests that act in the middle of a backfill: wait until its worker has stored a number of pages.

On PostgreSQL a backfill fetches page n+1 while it stores page n (reviews.services.fetch_ahead), so a
fake client that acts "while fetching page n+1" would race with that store; waiting for it gives the
test the one order it describes.
"""

from __future__ import annotations

import time

from reviews.models import SyncRun


def wait_until_stored(run_id: int, pages: int, *, timeout: float = 10.0) -> None:
    stored = SyncRun.objects.filter(pk=run_id, pages_fetched__gte=pages)
    give_up = time.monotonic() + timeout
    while not stored.exists():
        if time.monotonic() > give_up:
            raise AssertionError(f"backfill {run_id} did not store {pages} page(s) within {timeout:g}s")
        time.sleep(0.01)
