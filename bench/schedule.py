"""Poll scheduler benchmark: one API key, 10 to 10,000 domains, a simulated day, no real sleeping.

    .venv/bin/python bench/schedule.py [--sizes 10,100,1000,10000] [--hours 24] [--seed 12]

It drives the scheduler's own planning functions (reviews/schedule.py, as reviews.services.polling applies
them on each beat tick) with a simulated clock, an in-memory copy of the shared budget (the same buckets,
a tenth of each window, and priority ceilings as reviews/ratebudget.py), and a simulated Trustpilot that
counts every call in true sliding windows of 5 minutes and an hour and answers 429 beyond 833 and 10,000.
Reviews arrive at random per domain, at rates spread over two orders of magnitude, with bursts. Each size
runs twice:

- without webhooks: a new review is found by the next poll (or re-scan) of its domain;
- with webhooks: Trustpilot announces each review after 1 to 10 s (2% of webhooks are lost), TrustDesk
  re-fetches it with one interactive call, and polling is reconciliation only.

Both include agents' replies (30% of reviews, one call each), the spread re-scans, and one large "sync
unanswered reviews" (3,000 pages) from 09:00. It prints, per size: the most calls in any 5 minutes and any
hour next to the limits, 429s, the age of new reviews when found (worst and p95; a review still unfound at
the end counts with its age then), how long replies waited for the budget, the poll interval range, and
the backfill's progress. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import verdict  # noqa: E402
from reviews import schedule  # noqa: E402
from reviews.schedule import (  # noqa: E402
    Config,
    DomainState,
    Kind,
    Limit,
    Priority,
    Shares,
    Usage,
    bucket_index,
    window_buckets,
)

LIMITS = [Limit(833, 300), Limit(10_000, 3600)]
# The defaults of trustdesk/settings.py (docs/configuration.md).
CONFIG = Config(
    floor=60.0,
    tick=5.0,
    shares=Shares(reserve=0.15, backfill=0.30),
    active_window=6 * 3600.0,
    active_weight=4.0,
    webhook_window=3600.0,
    webhook_factor=10.0,
    rescan_interval=3600.0,
)
OVERLAP = 600.0  # TRUSTPILOT_POLL_OVERLAP: each poll re-reads this much before the watermark
RESCAN_DAYS = 14
PER_PAGE = 100
WORKER_DELAY = 1.0  # seconds from a task being queued to its first call
WEBHOOK_DELAY = (1.0, 10.0)
WEBHOOK_LOSS = 0.02
REPLY_SHARE, REPLY_AFTER = 0.3, (300.0, 3600.0)
BACKFILL_PAGES, BACKFILL_START, BACKFILL_PAGE_SECONDS = 3000, 9 * 3600.0, 0.5
WEBHOOK_P95_TARGET = 15.0


class Trustpilot:
    """Counts calls in true sliding windows and answers 429 beyond the published limits."""

    def __init__(self) -> None:
        self.windows = [(limit, deque[float]()) for limit in LIMITS]
        self.most = [0 for _ in LIMITS]
        self.rejected = 0

    def call(self, now: float) -> bool:
        over = False
        for index, (limit, calls) in enumerate(self.windows):
            while calls and calls[0] <= now - limit.seconds:
                calls.popleft()
            calls.append(now)  # a refused call counts too
            self.most[index] = max(self.most[index], len(calls))
            over = over or len(calls) > limit.calls
        self.rejected += over
        return not over


class Budget:
    """reviews.ratebudget.DatabaseBudget's arithmetic, in memory: buckets per limit and scope, same ceilings."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, int, int], int] = {}

    def _in_window(self, scope: str, limit: Limit, now: float) -> int:
        return sum(self.counts.get((scope, limit.seconds, index), 0) for index in window_buckets(limit.seconds, now))

    def acquire(self, now: float, priority: Priority) -> bool:
        takes = []
        for limit in LIMITS:
            total, own = CONFIG.shares.ceilings(limit, priority)
            takes.append(("total", limit, total))
            if own is not None:
                takes.append(("backfill", limit, own))
        if any(self._in_window(scope, limit, now) >= ceiling for scope, limit, ceiling in takes):
            return False
        for scope, limit, _ in takes:
            key = (scope, limit.seconds, bucket_index(limit.seconds, now))
            self.counts[key] = self.counts.get(key, 0) + 1
        return True

    def usage(self, now: float) -> list[Usage]:
        return [
            Usage(limit, self._in_window("total", limit, now), self._in_window("backfill", limit, now))
            for limit in LIMITS
        ]


@dataclass
class Domain:
    key: int
    daily_rate: float
    newest: float | None
    webhook_at: float | None = None
    polled_at: float | None = None
    pending: list[int] = field(default_factory=list)
    kind: Kind = field(default_factory=lambda: Kind(active=False, webhooks=False))


@dataclass
class Result:
    domains: int
    webhooks: bool
    most_5min: int = 0
    most_hour: int = 0
    rejected: int = 0
    ages: list[float] = field(default_factory=list)
    reply_wait: float = 0.0
    shortest: float = math.inf
    longest: float = 0.0
    rescan_longest: float = 0.0
    backfill_done: int = 0
    backfill_hours: float | None = None
    refused_polls: int = 0
    calls: int = 0
    webhook_found: int = 0
    seconds: float = 0.0


class Simulation:
    def __init__(self, domains: int, *, webhooks: bool, hours: float, seed: int) -> None:
        self.rng = random.Random(seed * 100_003 + domains)  # noqa: S311 (a simulation, not a secret)
        self.webhooks = webhooks
        self.end = hours * 3600.0
        self.trustpilot, self.budget = Trustpilot(), Budget()
        self.events: list[tuple[float, int, str, int]] = []
        self.sequence = 0
        self.created: list[float] = []
        self.found: list[bool] = []
        self.owner: list[int] = []
        self.replies_due: list[float] = []
        self.result = Result(domains, webhooks)
        self.domains = [self._domain(key) for key in range(domains)]
        self.counts = {kind: 0 for kind in schedule.KINDS}
        for domain in self.domains:
            domain.kind = self._kind(domain, 0.0)
            self.counts[domain.kind] += 1
        self.due: list[tuple[float, int]] = []
        self.backfill_left = BACKFILL_PAGES
        self.backfill_start = min(BACKFILL_START, self.end * 0.4)
        self._start()

    def _domain(self, key: int) -> Domain:
        # Reviews per day: a long tail around 1.5 a day, from a few a month to a few hundred a day.
        rate = min(300.0, self.rng.lognormvariate(math.log(1.5), 1.3))
        newest = -self.rng.expovariate(rate / 86_400) if rate else None
        return Domain(key, rate, newest)

    def _push(self, at: float, kind: str, payload: int) -> None:
        if at <= self.end:
            self.sequence += 1
            heapq.heappush(self.events, (at, self.sequence, kind, payload))

    def _start(self) -> None:
        for domain in self.domains:
            self._arrivals(domain)
        plan = self._plan(0.0)
        for domain in self.domains:  # a deployment that has been running: next polls spread over one interval
            interval = plan.interval(domain.kind)
            first = self.rng.uniform(0.0, interval)
            domain.polled_at = first - interval
            heapq.heappush(self.due, (first, domain.key))
        self._push(0.0, "tick", 0)
        self._push(self.backfill_start, "backfill", 0)

    def _arrivals(self, domain: Domain) -> None:
        """Poisson arrivals at the domain's rate, with bursts (a campaign, a bad day) at 20 times that rate."""
        base = domain.daily_rate / 86_400
        bursts = [
            (start, start + 1800.0)
            for start in (self.rng.uniform(0, self.end) for _ in range(self._poisson(self.end / 86_400 * 0.5)))
        ]
        peak = base * 20
        moment = 0.0
        while peak > 0:
            moment += self.rng.expovariate(peak)
            if moment > self.end:
                break
            rate = peak if any(start <= moment < stop for start, stop in bursts) else base
            if self.rng.random() < rate / peak:
                self._push(moment, "review", domain.key)

    def _poisson(self, mean: float) -> int:
        count, threshold, product = 0, math.exp(-mean), self.rng.random()
        while product > threshold:
            count += 1
            product *= self.rng.random()
        return count

    def _kind(self, domain: Domain, now: float) -> Kind:
        state = DomainState(domain.key, domain.newest, domain.webhook_at, domain.polled_at)
        return schedule.kind_of(state, now=now, config=CONFIG)

    def _reclassify(self, domain: Domain, now: float) -> None:
        kind = self._kind(domain, now)
        if kind != domain.kind:
            self.counts[domain.kind] -= 1
            self.counts[kind] += 1
            domain.kind = kind

    def _backfilling(self, now: float) -> bool:
        return self.backfill_start <= now and self.backfill_left > 0

    def _plan(self, now: float) -> schedule.Plan:
        return schedule.plan(self.counts, LIMITS, CONFIG, backfill_active=self._backfilling(now))

    def _call(self, now: float, priority: Priority) -> bool:
        if not self.budget.acquire(now, priority):
            return False
        self.result.calls += 1
        self.trustpilot.call(now)
        return True

    def run(self) -> Result:
        handlers = {
            "tick": self._tick,
            "poll": self._poll,
            "rescan": self._poll,
            "review": self._review,
            "webhook": self._webhook,
            "reply": self._reply,
            "backfill": self._backfill,
            "expire": lambda now, key, kind: self._reclassify(self.domains[key], now),
        }
        while self.events:
            now, _, kind, payload = heapq.heappop(self.events)
            handlers[kind](now, payload, kind)
        for review, created in enumerate(self.created):
            if not self.found[review]:
                self.result.ages.append(self.end - created)
        self.result.most_5min, self.result.most_hour = self.trustpilot.most
        self.result.rejected = self.trustpilot.rejected
        return self.result

    def _tick(self, now: float, _: int, __: str) -> None:
        """reviews.services.polling.polls_due: the due domains in due order, as many as the allowance."""
        plan = self._plan(now)
        shortest, longest = plan.interval_range() or (math.inf, 0.0)
        self.result.shortest = min(self.result.shortest, shortest)
        self.result.longest = max(self.result.longest, longest)
        self.result.rescan_longest = max(self.result.rescan_longest, plan.rescan_interval)
        allowance = schedule.tick_allowance(plan, self.budget.usage(now), CONFIG)
        spent = 0.0
        while self.due and self.due[0][0] <= now + CONFIG.tick / 2 and spent < allowance:
            domain = self.domains[self.due[0][1]]
            state = DomainState(domain.key, domain.newest, domain.webhook_at, domain.polled_at)
            rescan = schedule.rescan_due(state, now=now, plan=plan)
            cost = schedule.poll_cost(rescan=rescan)
            if spent + cost > allowance:
                break
            heapq.heappop(self.due)
            spent += cost
            heapq.heappush(self.due, (schedule.next_poll_at(state, now=now, plan=plan, config=CONFIG), domain.key))
            domain.polled_at = now
            self._push(now + WORKER_DELAY, "rescan" if rescan else "poll", domain.key)
        self._push(now + CONFIG.tick, "tick", 0)

    def _poll(self, now: float, key: int, kind: str) -> None:
        domain = self.domains[key]
        if kind == "rescan":
            recent = domain.daily_rate * RESCAN_DAYS + len(domain.pending)
            pages = max(1, math.ceil(recent / PER_PAGE))
        else:
            pages = 1 + (len(domain.pending) + int(domain.daily_rate * OVERLAP / 86_400)) // PER_PAGE
        for _ in range(pages):
            if not self._call(now, Priority.POLL):
                # The task gives up and the domain is due again at once (reviews.services.polling.poll_refused).
                self.result.refused_polls += 1
                self.due = [(at, other) for at, other in self.due if other != key]
                heapq.heapify(self.due)
                heapq.heappush(self.due, (now, key))
                return
        for review in domain.pending:
            self._find(domain, review, now)
        domain.pending.clear()

    def _find(self, domain: Domain, review: int, now: float) -> None:
        if self.found[review]:
            return
        self.found[review] = True
        created = self.created[review]
        self.result.ages.append(now - created)
        if domain.newest is None or created > domain.newest:
            domain.newest = created
            self._reclassify(domain, now)
            self._push(created + CONFIG.active_window + 1, "expire", domain.key)
        if self.rng.random() < REPLY_SHARE:
            self.replies_due.append(now + self.rng.uniform(*REPLY_AFTER))
            self._push(self.replies_due[-1], "reply", len(self.replies_due) - 1)

    def _review(self, now: float, key: int, _: str) -> None:
        review = len(self.created)
        self.created.append(now)
        self.found.append(False)
        self.owner.append(key)
        self.domains[key].pending.append(review)
        if self.webhooks and self.rng.random() >= WEBHOOK_LOSS:
            self._push(now + self.rng.uniform(*WEBHOOK_DELAY), "webhook", review)

    def _webhook(self, now: float, review: int, _: str) -> None:
        """The webhook names the review: TrustDesk reads it back with one interactive call, retried if refused."""
        key = self.owner[review]
        domain = self.domains[key]
        if domain.webhook_at is None or domain.webhook_at < now:
            domain.webhook_at = now
            self._reclassify(domain, now)
            self._push(now + CONFIG.webhook_window + 1, "expire", key)
        if self.found[review]:
            return
        if not self._call(now, Priority.INTERACTIVE):
            self._push(now + 1.0, "webhook", review)
            return
        self._find(domain, review, now)
        domain.pending.remove(review)
        self.result.webhook_found += 1

    def _reply(self, now: float, reply: int, _: str) -> None:
        """An agent's reply: published at once with an interactive call, or retried a second later."""
        if not self._call(now, Priority.INTERACTIVE):
            self._push(now + 1.0, "reply", reply)
            return
        self.result.reply_wait = max(self.result.reply_wait, now - self.replies_due[reply])

    def _backfill(self, now: float, _: int, __: str) -> None:
        if self.backfill_left <= 0:
            return
        if not self._call(now, Priority.BACKFILL):
            self._push(now + 1.0, "backfill", 0)  # DatabaseBudget's wait, then the task's retry
            return
        self.backfill_left -= 1
        self.result.backfill_done += 1
        if self.backfill_left == 0:
            self.result.backfill_hours = (now - self.backfill_start) / 3600
        self._push(now + BACKFILL_PAGE_SECONDS, "backfill", 0)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def minutes(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def report(result: Result) -> list[str]:
    worst, p95 = max(result.ages, default=0.0), percentile(result.ages, 0.95)
    # Without webhooks a review waits at most one interval of its domain, plus a tick and the worker's delay;
    # with them the same bounds a lost webhook, and p95 is the webhook's delivery and re-fetch.
    bound = result.longest + 2 * CONFIG.tick + WORKER_DELAY
    backfill = (
        f"done in {result.backfill_hours:.1f} h"
        if result.backfill_hours is not None
        else f"{result.backfill_done:,} of {BACKFILL_PAGES:,} pages by the end"
    )
    lines = [
        f"{result.domains:,} domains, {'with' if result.webhooks else 'without'} webhooks"
        f" ({len(result.ages):,} new reviews, {result.webhook_found:,} found by webhook; {result.calls:,} calls;"
        f" simulated in {result.seconds:.1f} s)",
        f"  calls per 5 minutes (max): {result.most_5min:6,} (target <= {LIMITS[0].calls:,})  "
        f"{verdict(result.most_5min <= LIMITS[0].calls)}",
        f"  calls per hour (max)     : {result.most_hour:6,} (target <= {LIMITS[1].calls:,})  "
        f"{verdict(result.most_hour <= LIMITS[1].calls)}",
        f"  429s                     : {result.rejected:6,} (target 0)  {verdict(result.rejected == 0)}",
        f"  new review age when found: worst {minutes(worst)}, p95 {minutes(p95)}"
        f" (target: worst <= longest interval + 2 ticks = {minutes(bound)}"
        + (f"; p95 <= {WEBHOOK_P95_TARGET:.0f} s" if result.webhooks else "")
        + f")  {verdict(worst <= bound and (not result.webhooks or p95 <= WEBHOOK_P95_TARGET))}",
        f"  poll interval            : {minutes(result.shortest)} to {minutes(result.longest)}"
        f" (never below {minutes(CONFIG.floor)})  {verdict(result.shortest >= CONFIG.floor)};"
        f" re-scans at most every {minutes(result.rescan_longest)}",
        f"  replies' longest wait    : {result.reply_wait:.0f} s (target 0)  {verdict(result.reply_wait == 0)};"
        f" polls refused by the budget: {result.refused_polls:,}",
        f"  backfill ({BACKFILL_PAGES:,} pages from {BACKFILL_START / 3600:02.0f}:00): {backfill}",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    started = time.perf_counter()
    print(
        f"TrustDesk poll scheduler: one API key ({LIMITS[0].calls}/5 min, {LIMITS[1].calls:,}/h), "
        f"{args.hours:g} simulated hours per run, tick {CONFIG.tick:g} s, shortest interval {CONFIG.floor:g} s,"
        f" reserve {CONFIG.shares.reserve:.0%}, backfills {CONFIG.shares.backfill:.0%}"
    )
    for size in (int(value) for value in args.sizes.split(",")):
        for webhooks in (False, True):
            run_started = time.perf_counter()
            result = Simulation(size, webhooks=webhooks, hours=args.hours, seed=args.seed).run()
            result.seconds = time.perf_counter() - run_started
            print("\n".join(report(result)), flush=True)
    print(f"total {time.perf_counter() - started:.1f} s of real time")


if __name__ == "__main__":
    main()
