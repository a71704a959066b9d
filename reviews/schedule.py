"""Plan Trustpilot polls inside one API key's budget: pure arithmetic, no database and no clock of its own.

Every process of a deployment draws on one budget per API key (docs/trustpilot.md §6.1), split in three:

- a reserve that only interactive calls may take: agents' replies, sign-ins, token refreshes and the
  re-fetches that follow a Trustpilot webhook. Nothing scheduled waits in front of them;
- a bounded share for backfills ("sync unanswered reviews"), counted on its own;
- the rest for polls and re-scans, which this module spreads over the domains.

Each domain belongs to one of four classes: recently active or quiet (a new review within
`active_window`), and with or without webhooks (one within `webhook_window`). Active domains are polled
`active_weight` times as often as quiet ones; domains whose webhooks arrive are polled `webhook_factor`
times less often, as reconciliation only, and tighten again once their webhooks stop. The intervals
stretch together as domains are added, never below `floor` (TRUSTPILOT_POLL_INTERVAL), which is what a
deployment of a few domains gets. A re-scan takes the place of one of a domain's polls once per re-scan
interval, which grows too once the domains' re-scans would cost more than `rescan_fraction` of the share.

reviews.services.polling applies a plan to the database; bench/schedule.py drives the same functions
with a simulated clock.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# A re-scan reads the re-scan window (usually one page for a domain) and may read back a few reviews the
# list left out (reviews.services.sync.REMOVAL_CHECKS_PER_RUN at most): planned as this many calls.
RESCAN_CALLS = 2.0
# Part of the poll share kept free for the extra pages of a poll that finds many new reviews.
PAGE_HEADROOM = 0.1
# A tick may queue up to this many times its part of the poll share, to catch up after a pause.
CATCH_UP = 2.0
# Spreads the domains' re-scans over the re-scan interval (the fractional part of the golden ratio).
_PHASE = 0.6180339887498949


@dataclass(frozen=True)
class Limit:
    calls: int
    seconds: int


class Priority(enum.Enum):
    INTERACTIVE = "interactive"  # replies, sign-ins, token refreshes, webhook re-fetches: the whole limit
    POLL = "poll"  # polls and re-scans: all but the reserve
    BACKFILL = "backfill"  # all but the reserve, and at most the backfill share on their own


@dataclass(frozen=True)
class Shares:
    reserve: float  # fraction of each limit only interactive calls take
    backfill: float  # fraction of each limit backfills may take, on their own count

    def ceilings(self, limit: Limit, priority: Priority) -> tuple[int, int | None]:
        """How many calls of the window (all callers together; backfills alone) a call of `priority` may bring it to."""
        if priority is Priority.INTERACTIVE:
            return limit.calls, None
        total = limit.calls - math.ceil(limit.calls * self.reserve)
        if priority is Priority.POLL:
            return total, None
        return total, math.floor(limit.calls * self.backfill)


@dataclass(frozen=True)
class Config:
    floor: float  # seconds: the shortest interval between two polls of a domain (TRUSTPILOT_POLL_INTERVAL)
    tick: float  # seconds between two runs of the scheduler
    shares: Shares
    active_window: float  # seconds: a domain with a review this recent is active
    active_weight: float  # active domains are polled this many times as often as quiet ones
    webhook_window: float  # seconds: a domain with a webhook this recent has webhooks
    webhook_factor: float  # ... and is polled this many times less often
    rescan_interval: float  # seconds: the shortest interval between two re-scans of a domain
    rescan_fraction: float = 0.2  # the most of the poll share re-scans take once they have to stretch


@dataclass(frozen=True)
class Kind:
    active: bool
    webhooks: bool


KINDS = tuple(Kind(active, webhooks) for active in (True, False) for webhooks in (False, True))


@dataclass(frozen=True)
class DomainState:
    """What the plan needs of a domain; times are seconds since the epoch."""

    key: int  # spreads the domains' re-scans; the primary key
    newest_review_at: float | None  # creation time of its newest review (the poll watermark)
    last_webhook_at: float | None
    last_polled_at: float | None = None


def kind_of(state: DomainState, *, now: float, config: Config) -> Kind:
    active = state.newest_review_at is not None and state.newest_review_at >= now - config.active_window
    webhooks = state.last_webhook_at is not None and state.last_webhook_at >= now - config.webhook_window
    return Kind(active=active, webhooks=webhooks)


@dataclass(frozen=True)
class Plan:
    intervals: Mapping[Kind, float]  # seconds between two polls of a domain of each kind
    rescan_interval: float
    counts: Mapping[Kind, int]
    share_rate: float  # calls per second the poll share allows
    planned_rate: float  # calls per second the plan spends on polls and re-scans

    def interval(self, kind: Kind) -> float:
        return self.intervals[kind]

    def interval_range(self) -> tuple[float, float] | None:
        """The shortest and the longest interval of the domains there are; None without domains."""
        used = [self.intervals[kind] for kind in KINDS if self.counts.get(kind, 0)]
        return (min(used), max(used)) if used else None

    @property
    def domains(self) -> int:
        return sum(self.counts.values())


def share_rate(limits: Sequence[Limit], config: Config, *, backfill_active: bool) -> float:
    """Calls per second polls and re-scans may spend under every limit, leaving room for pages.

    While no backfill waits, polls may use the backfill share too; the budget still keeps the reserve.
    """
    backfill = config.shares.backfill if backfill_active else 0.0
    fraction = max(0.0, 1.0 - config.shares.reserve - backfill) * (1.0 - PAGE_HEADROOM)
    return min(limit.calls * fraction / limit.seconds for limit in limits)


def plan(counts: Mapping[Kind, int], limits: Sequence[Limit], config: Config, *, backfill_active: bool = False) -> Plan:
    rate = share_rate(limits, config, backfill_active=backfill_active)
    domains = sum(counts.values())
    rescan_interval = max(config.rescan_interval, domains * RESCAN_CALLS / (config.rescan_fraction * rate or 1e-9))
    intervals: dict[Kind, float] = {}
    # Re-scans would cost more than planned if a domain's polls were further apart than its re-scans.
    for _ in range(3):
        rescan_rate = domains * RESCAN_CALLS / rescan_interval
        intervals = _water_fill(counts, rate - rescan_rate, config)
        longest = max((intervals[kind] for kind in KINDS if counts.get(kind, 0)), default=0.0)
        if longest * 2 <= rescan_interval:
            break
        rescan_interval = longest * 2
    planned = sum(counts.get(kind, 0) / intervals[kind] for kind in KINDS) + domains * RESCAN_CALLS / rescan_interval
    return Plan(intervals, rescan_interval, dict(counts), rate, planned)


def plan_for(
    states: Iterable[DomainState],
    *,
    now: float,
    limits: Sequence[Limit],
    config: Config,
    backfill_active: bool = False,
) -> Plan:
    counts = Counter(kind_of(state, now=now, config=config) for state in states)
    return plan(counts, limits, config, backfill_active=backfill_active)


def _shortest(kind: Kind, config: Config) -> float:
    return config.floor * (config.webhook_factor if kind.webhooks else 1.0)


def _weight(kind: Kind, config: Config) -> float:
    weight = config.active_weight if kind.active else 1.0
    return weight / (config.webhook_factor if kind.webhooks else 1.0)


def _water_fill(counts: Mapping[Kind, int], rate: float, config: Config) -> dict[Kind, float]:
    """Intervals max(shortest, S / weight), with the smallest S for which all polls fit in `rate` per second.

    The classes whose interval S / weight would be below their shortest stay at their shortest; the
    others share what those leave. Sorting by the point where a class leaves its shortest makes it exact.
    """
    shortest = {kind: _shortest(kind, config) for kind in KINDS}
    weight = {kind: _weight(kind, config) for kind in KINDS}
    present = [kind for kind in KINDS if counts.get(kind, 0)]
    at_floor = sum(counts[kind] / shortest[kind] for kind in present)
    stretch = 0.0
    if at_floor > rate:
        present.sort(key=lambda kind: shortest[kind] * weight[kind])
        stretch = math.inf
        for stretched in range(1, len(present) + 1):
            loose, capped = present[:stretched], present[stretched:]
            left = rate - sum(counts[kind] / shortest[kind] for kind in capped)
            if left <= 0:
                continue
            candidate = sum(counts[kind] * weight[kind] for kind in loose) / left
            bound = shortest[capped[0]] * weight[capped[0]] if capped else math.inf
            if candidate <= bound:
                stretch = candidate
                break
    return {kind: max(shortest[kind], stretch / weight[kind]) for kind in KINDS}


def next_poll_at(state: DomainState, *, now: float, plan: Plan, config: Config) -> float:
    return now + plan.interval(kind_of(state, now=now, config=config))


def rescan_due(state: DomainState, *, now: float, plan: Plan) -> bool:
    """Whether this poll should be a re-scan: the domain crossed its point in the re-scan cycle since its last poll.

    Each domain's point is spread over the cycle by its key, so the re-scans come evenly rather than all at once.
    """
    if state.last_polled_at is None:
        return False
    period = plan.rescan_interval
    offset = (state.key * _PHASE) % 1.0 * period
    return math.floor((now + offset) / period) > math.floor((state.last_polled_at + offset) / period)


@dataclass(frozen=True)
class Usage:
    """Calls counted in a limit's sliding window: by every caller of the key, and by its backfills."""

    limit: Limit
    total: float
    backfill: float = 0.0


def tick_allowance(plan: Plan, usage: Sequence[Usage], config: Config) -> float:
    """Calls this tick may spend on polls and re-scans.

    At most CATCH_UP times the poll share's part of a tick (so a backlog of due domains, as at the first
    start, drains at a steady pace), and never more than the windows have left above the reserve. A running
    backfill's share is kept by the plan (its intervals are longer while one runs), not here: in the minutes
    after a backfill starts, the polls planned before it go first.
    """
    allowance = max(1.0, math.ceil(plan.share_rate * config.tick * CATCH_UP))
    for used in usage:
        ceiling, _ = config.shares.ceilings(used.limit, Priority.POLL)
        allowance = min(allowance, ceiling - used.total)
    return max(0.0, allowance)


def poll_cost(*, rescan: bool) -> float:
    return RESCAN_CALLS if rescan else 1.0


# Each limit is counted in buckets of a tenth of its window (30 s of 5 minutes, 6 minutes of an hour). A window
# is read as its last BUCKETS closed buckets plus the current one: a little more than the window, never less, so a
# budget that keeps to it also keeps to a true sliding window, however bursty the calls (two fixed windows
# weighted by their overlap do not: calls bunched at the end of one window are under-counted in the next).
BUCKETS = 10


def bucket_index(seconds: int, now: float) -> int:
    """The bucket of a `seconds`-long limit that `now` falls in."""
    return int(now * BUCKETS // seconds)


def window_buckets(seconds: int, now: float) -> range:
    """The buckets whose calls count against the limit at `now`, the current one last."""
    current = bucket_index(seconds, now)
    return range(current - BUCKETS, current + 1)
