"""Fetch the next page of reviews from Trustpilot while the current one is being stored.

A poll or a backfill reads pages one after another, and each page waits for Trustpilot and then for the
database. On PostgreSQL the two overlap: one worker thread fetches page n+1 (its HTTP call, its share of
the call budget, a token refresh if one is due, each on the thread's own database connection) while the
caller stores page n. What is stored, and in which order, is the same as fetching page by page: pages
are handed over in order, and a page is fetched only once the one before it is known not to be the last,
so no call is made that a sequential run would not make, except the one in flight when storing fails.

The overlap is off, and pages are fetched in the caller's thread, when:
- the database is SQLite: it has one writer at a time, so the fetch's budget write would wait for the
  store's transaction anyway;
- the caller is inside a transaction: the thread's connection could not see what that transaction wrote,
  and could wait on its locks while the caller waits on the thread.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from typing import TypeVar

from django.db import connection, connections

from reviews.trustpilot.types import ReviewPage

Key = TypeVar("Key")


def overlap_possible() -> bool:
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def pages(
    fetch: Callable[[Key], ReviewPage], first: Key | None, following: Callable[[Key, ReviewPage], Key | None]
) -> Generator[tuple[Key, ReviewPage]]:
    """(key, page) for `first` and each key `following` gives after it, until it gives None.

    `fetch(key)` reads one page; `following(key, page)` is the next page's key, or None after the last.
    Close the generator when done with it (contextlib.closing): a run that stops early then waits for
    the page in flight and frees the thread at once, not whenever the generator is collected.
    """
    if first is None:
        return
    if not overlap_possible():
        key: Key | None = first
        while key is not None:
            page = fetch(key)
            yield key, page
            key = following(key, page)
        return
    yield from _overlapped(fetch, first, following)


def _overlapped(
    fetch: Callable[[Key], ReviewPage], first: Key, following: Callable[[Key, ReviewPage], Key | None]
) -> Generator[tuple[Key, ReviewPage]]:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trustpilot-fetch-ahead")

    def submit(key: Key) -> Future[ReviewPage]:
        # The thread runs in a copy of the caller's context, so the caller's deadline applies to it.
        return pool.submit(contextvars.copy_context().run, fetch, key)

    key: Key | None = first
    pending = submit(first)
    try:
        while key is not None:
            page = pending.result()
            following_key = following(key, page)
            if following_key is not None:
                pending = submit(following_key)
            yield key, page
            key = following_key
    finally:
        # Whatever stopped the run (the last page, an error, a cancelled backfill), the call in flight
        # ends before the run does, and the thread's database connection is closed with it.
        pending.cancel()
        _wait_quietly(pending)
        pool.submit(connections.close_all).result()
        pool.shutdown()


def _wait_quietly(future: Future[ReviewPage]) -> None:
    if future.cancelled():
        return
    with suppress(Exception):  # the caller is already stopping for its own reason
        future.result()
