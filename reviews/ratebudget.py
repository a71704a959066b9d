"""One budget of Trustpilot calls per API key, shared by every web and worker process through the database.

Trustpilot asks for at most 833 calls per 5 minutes and 10,000 per hour (docs/trustpilot.md §6.1). Each limit is
counted in buckets of a tenth of its window (reviews.schedule.window_buckets): the calls of the last ten closed
buckets, which no longer change and are read once per bucket, plus the current bucket's. That covers a little
more than the sliding window, never less, so even bursts stay inside Trustpilot's window. Taking a call is one
conditional UPDATE per limit on the current bucket, so concurrent processes can never overspend.

Callers take calls at a priority (reviews.schedule.Priority): interactive calls (replies, sign-ins, token
refreshes, webhook re-fetches) may fill each limit; polls and re-scans stop short of the reserve kept for
them; backfills stop short of it too, and also at their own share, counted in windows of their own, so a
large "sync unanswered reviews" can never take what polling needs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum

from reviews.models import RateBudgetWindow
from reviews.schedule import BUCKETS, Limit, Priority, Shares, Usage, bucket_index, window_buckets
from reviews.trustpilot.errors import RateLimited
from trustdesk import deadline

__all__ = ["DatabaseBudget", "Limit", "Priority", "configured_limits", "configured_shares", "window_counts"]
BACKFILL_SCOPE = ":backfill"


def configured_limits() -> list[Limit]:
    """Trustpilot's published limits per API key, as configured: what every client and the metrics count against."""
    return [
        Limit(calls=settings.TRUSTPILOT_RATE_LIMIT_5MIN, seconds=300),
        Limit(calls=settings.TRUSTPILOT_RATE_LIMIT_HOUR, seconds=3600),
    ]


def configured_shares() -> Shares:
    return Shares(
        reserve=settings.TRUSTPILOT_RESERVE_PERCENT / 100, backfill=settings.TRUSTPILOT_BACKFILL_PERCENT / 100
    )


@dataclass(frozen=True)
class _Take:
    limit: Limit
    key: str
    ceiling: int


class DatabaseBudget:
    def __init__(
        self,
        *,
        api_key: str,
        limits: Sequence[Limit],
        max_wait: float = 0.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        priority: Priority = Priority.INTERACTIVE,
        shares: Shares | None = None,
    ) -> None:
        # The key itself is a credential: only a digest of it is stored.
        self.key = hashlib.sha256(api_key.encode()).hexdigest()[:32]
        self.limits = tuple(limits)
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self.priority = priority
        self.shares = shares or Shares(reserve=0.0, backfill=1.0)
        self._closed_buckets: dict[tuple[str, int], tuple[int, int]] = {}  # (key, seconds) -> (bucket, their sum)
        self._takes: list[_Take] = []
        for limit in self.limits:
            total, own = self.shares.ceilings(limit, priority)
            self._takes.append(_Take(limit, self.key, total))
            if own is not None:
                self._takes.append(_Take(limit, self.key + BACKFILL_SCOPE, own))

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

    def usage(self) -> list[Usage]:
        """Calls counted in each limit's window right now: by every caller of the key, and by backfills."""
        now = self.clock()
        keys = [self.key, self.key + BACKFILL_SCOPE]
        counts = window_counts(keys, self.limits, now=now)
        return [
            Usage(limit=limit, total=counts[(self.key, limit.seconds)], backfill=counts[(keys[1], limit.seconds)])
            for limit in self.limits
        ]

    def _try_take(self) -> float | None:
        now = self.clock()
        taken: list[_Take] = []
        for take in self._takes:
            if not self._take(take, now):
                for earlier in taken:
                    self._window(earlier, now).update(count=F("count") - 1)
                # At full rate a call frees up every seconds/calls; never poll faster than once a second.
                return max(1.0, take.limit.seconds / take.limit.calls)
            taken.append(take)
        return None

    def _take(self, take: _Take, now: float) -> bool:
        seconds = take.limit.seconds
        index = bucket_index(seconds, now)
        allowed = take.ceiling - self._closed_count(take, index)
        if allowed <= 0:
            return False
        if self._window(take, now).filter(count__lt=allowed).update(count=F("count") + 1):
            return True
        try:
            with transaction.atomic():
                RateBudgetWindow.objects.create(key=take.key, window_seconds=seconds, window_index=index, count=1)
            return True
        except IntegrityError:  # the bucket exists: it was full, or another process just created it
            return bool(self._window(take, now).filter(count__lt=allowed).update(count=F("count") + 1))

    @staticmethod
    def _window(take: _Take, now: float) -> QuerySet[RateBudgetWindow]:
        seconds = take.limit.seconds
        return RateBudgetWindow.objects.filter(
            key=take.key, window_seconds=seconds, window_index=bucket_index(seconds, now)
        )

    def _closed_count(self, take: _Take, current: int) -> int:
        """The calls of the closed buckets still in the window; they no longer change, so each process reads them
        once per bucket."""
        cache_key = (take.key, take.limit.seconds)
        cached = self._closed_buckets.get(cache_key)
        if cached is None or cached[0] != current:
            rows = RateBudgetWindow.objects.filter(
                key=take.key,
                window_seconds=take.limit.seconds,
                window_index__gte=current - BUCKETS,
                window_index__lt=current,
            ).aggregate(total=Sum("count"))
            cached = (current, int(rows["total"] or 0))
            self._closed_buckets[cache_key] = cached
        return cached[1]


def window_counts(keys: Sequence[str] | None, limits: Sequence[Limit], *, now: float) -> dict[tuple[str, int], int]:
    """Calls counted against each limit at `now`, per stored key (every key with calls, for None), in one query."""
    wanted = Q()
    for limit in limits:
        buckets = window_buckets(limit.seconds, now)
        wanted |= Q(window_seconds=limit.seconds, window_index__gte=buckets.start, window_index__lt=buckets.stop)
    counts = {(key, limit.seconds): 0 for key in keys or () for limit in limits}
    if not limits:
        return counts
    stored = RateBudgetWindow.objects.filter(wanted)
    rows = (stored if keys is None else stored.filter(key__in=keys)).values("key", "window_seconds")
    for row in rows.annotate(total=Sum("count")).order_by():
        counts[(row["key"], row["window_seconds"])] = int(row["total"] or 0)
    return counts


def prune_windows(*, older_than_seconds: int = 3 * 3600, now: float | None = None) -> int:
    """Delete buckets too old to weigh on any limit."""
    current = now if now is not None else time.time()
    deleted = 0
    for seconds in set(RateBudgetWindow.objects.values_list("window_seconds", flat=True)):
        oldest_needed = bucket_index(seconds, current - older_than_seconds)
        deleted += RateBudgetWindow.objects.filter(window_seconds=seconds, window_index__lt=oldest_needed).delete()[0]
    return deleted
