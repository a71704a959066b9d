"""One budget of Trustpilot calls per API key, shared by every web and worker process through the database.

Trustpilot asks for at most 833 calls per 5 minutes and 10,000 per hour (docs/trustpilot.md §6.1). Each limit is
a sliding window approximated from two fixed windows: the previous window's count, weighted by how
much of it still overlaps the sliding window, plus the current window's count. Taking a call is one
conditional UPDATE per limit, so concurrent processes can never overspend.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet

from reviews.models import RateBudgetWindow
from reviews.trustpilot.errors import RateLimited
from trustdesk import deadline


@dataclass(frozen=True)
class Limit:
    calls: int
    seconds: int


def configured_limits() -> list[Limit]:
    """Trustpilot's published limits per API key, as configured: what every client and the metrics count against."""
    return [
        Limit(calls=settings.TRUSTPILOT_RATE_LIMIT_5MIN, seconds=300),
        Limit(calls=settings.TRUSTPILOT_RATE_LIMIT_HOUR, seconds=3600),
    ]


class DatabaseBudget:
    def __init__(
        self,
        *,
        api_key: str,
        limits: Sequence[Limit],
        max_wait: float = 0.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # The key itself is a credential: only a digest of it is stored.
        self.key = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        self.limits = tuple(limits)
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self._closed_windows: dict[int, tuple[int, int]] = {}  # window seconds -> (index, count)

    def acquire(self) -> None:
        """Take one call, waiting up to max_wait seconds; beyond that raise RateLimited."""
        waited = 0.0
        while True:
            wait = self._try_take()
            if wait is None:
                return
            if waited + wait > self.max_wait or not deadline.fits(wait):
                raise RateLimited(
                    "TrustDesk's shared budget of Trustpilot calls is spent for now", status=None, retry_after=wait
                )
            self.sleep(wait)
            waited += wait

    def _try_take(self) -> float | None:
        now = self.clock()
        taken: list[Limit] = []
        for limit in self.limits:
            if not self._take(limit, now):
                for earlier in taken:
                    self._window(earlier, now).update(count=F("count") - 1)
                # At full rate a call frees up every seconds/calls; never poll faster than once a second.
                return max(1.0, limit.seconds / limit.calls)
            taken.append(limit)
        return None

    def _take(self, limit: Limit, now: float) -> bool:
        index = int(now // limit.seconds)
        allowed = limit.calls - carried_over(self._closed_count(limit, index - 1), seconds=limit.seconds, now=now)
        if allowed <= 0:
            return False
        if self._window(limit, now).filter(count__lt=allowed).update(count=F("count") + 1):
            return True
        try:
            with transaction.atomic():
                RateBudgetWindow.objects.create(key=self.key, window_seconds=limit.seconds, window_index=index, count=1)
            return True
        except IntegrityError:  # the window exists: it was full, or another process just created it
            return bool(self._window(limit, now).filter(count__lt=allowed).update(count=F("count") + 1))

    def _window(self, limit: Limit, now: float) -> QuerySet[RateBudgetWindow]:
        return RateBudgetWindow.objects.filter(
            key=self.key, window_seconds=limit.seconds, window_index=int(now // limit.seconds)
        )

    def _closed_count(self, limit: Limit, index: int) -> int:
        # A closed window no longer changes, so each process reads it once.
        cached = self._closed_windows.get(limit.seconds)
        if cached is None or cached[0] != index:
            rows = RateBudgetWindow.objects.filter(
                key=self.key, window_seconds=limit.seconds, window_index=index
            ).values_list("count", flat=True)
            cached = (index, next(iter(rows), 0))
            self._closed_windows[limit.seconds] = cached
        return cached[1]


def carried_over(previous_count: int, *, seconds: int, now: float) -> int:
    """The calls of the window before the current one that still weigh on the sliding window at `now`."""
    overlap = 1 - (now % seconds) / seconds
    return math.floor(previous_count * overlap)


def prune_windows(*, older_than_seconds: int = 3 * 3600, now: float | None = None) -> int:
    """Delete windows too old to weigh on any limit."""
    current = now if now is not None else time.time()
    deleted = 0
    for seconds in set(RateBudgetWindow.objects.values_list("window_seconds", flat=True)):
        oldest_needed = int((current - older_than_seconds) // seconds)
        deleted += RateBudgetWindow.objects.filter(window_seconds=seconds, window_index__lt=oldest_needed).delete()[0]
    return deleted
