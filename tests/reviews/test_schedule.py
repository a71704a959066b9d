"""The poll plan: pure arithmetic over the domains' kinds, the limits and the knobs (no database, no clock)."""

from __future__ import annotations

import itertools

import pytest

from reviews.schedule import (
    Config,
    DomainState,
    Kind,
    Limit,
    Priority,
    Shares,
    Usage,
    kind_of,
    next_poll_at,
    plan,
    plan_for,
    rescan_due,
    tick_allowance,
    window_buckets,
)

LIMITS = [Limit(833, 300), Limit(10_000, 3600)]
CONFIG = Config(
    floor=60,
    tick=5,
    shares=Shares(reserve=0.15, backfill=0.30),
    active_window=6 * 3600,
    active_weight=4,
    webhook_window=3600,
    webhook_factor=10,
    rescan_interval=3600,
)
QUIET, ACTIVE = Kind(active=False, webhooks=False), Kind(active=True, webhooks=False)
QUIET_HOOKED, ACTIVE_HOOKED = Kind(active=False, webhooks=True), Kind(active=True, webhooks=True)
NOW = 1_800_000_000.0


def planned_calls_per_second(counts: dict[Kind, int], **options: bool) -> tuple[float, float]:
    p = plan(counts, LIMITS, CONFIG, **options)
    polls = sum(n / p.interval(kind) for kind, n in counts.items())
    return polls + sum(counts.values()) * 2.0 / p.rescan_interval, p.share_rate


def test_a_few_domains_are_polled_at_the_shortest_interval():
    p = plan({QUIET: 8, ACTIVE: 2}, LIMITS, CONFIG)

    assert p.interval(QUIET) == p.interval(ACTIVE) == 60
    assert p.interval_range() == (60, 60)
    assert p.rescan_interval == 3600


@pytest.mark.parametrize("domains", [100, 1000, 10_000, 100_000])
def test_intervals_grow_with_the_domains_and_the_calls_fit_the_poll_share(domains):
    counts = {QUIET: domains * 9 // 10, ACTIVE: domains // 10}
    smaller = plan({QUIET: counts[QUIET] // 2, ACTIVE: counts[ACTIVE] // 2}, LIMITS, CONFIG)
    p = plan(counts, LIMITS, CONFIG)

    calls, share = planned_calls_per_second(counts)
    assert calls <= share * 1.0001
    assert p.interval(QUIET) >= smaller.interval(QUIET) >= 60
    assert p.rescan_interval >= smaller.rescan_interval >= 3600
    # The share is below both limits once the reserve and the room for pages are kept.
    assert share * 300 < 833 * 0.85 and share * 3600 < 10_000 * 0.85


def test_active_domains_are_polled_more_often_than_quiet_ones():
    p = plan({QUIET: 900, ACTIVE: 100}, LIMITS, CONFIG)

    assert p.interval(ACTIVE) * 4 == pytest.approx(p.interval(QUIET))
    assert p.interval(ACTIVE) >= 60


def test_domains_with_webhooks_relax_and_give_their_polls_to_the_others():
    without = plan({QUIET: 1000}, LIMITS, CONFIG)
    mixed = plan({QUIET: 500, QUIET_HOOKED: 500}, LIMITS, CONFIG)

    assert mixed.interval(QUIET_HOOKED) == pytest.approx(mixed.interval(QUIET) * 10)
    assert mixed.interval(QUIET) < without.interval(QUIET)


def test_a_domain_with_webhooks_relaxes_at_least_by_the_factor_even_when_the_budget_is_ample():
    p = plan({QUIET_HOOKED: 3, ACTIVE_HOOKED: 1, QUIET: 1}, LIMITS, CONFIG)

    assert p.interval(QUIET) == 60
    assert p.interval(QUIET_HOOKED) == p.interval(ACTIVE_HOOKED) == 600


def test_webhooks_tighten_polling_again_when_they_stop():
    state = DomainState(key=1, newest_review_at=NOW - 60, last_webhook_at=NOW - 120)

    assert kind_of(state, now=NOW, config=CONFIG) == ACTIVE_HOOKED
    assert kind_of(state, now=NOW + 3600, config=CONFIG) == ACTIVE
    p = plan({ACTIVE_HOOKED: 1}, LIMITS, CONFIG)
    assert next_poll_at(state, now=NOW, plan=p, config=CONFIG) == NOW + 600
    assert next_poll_at(state, now=NOW + 3600, plan=p, config=CONFIG) == NOW + 3600 + 60


def test_a_domain_without_reviews_is_quiet():
    state = DomainState(key=1, newest_review_at=None, last_webhook_at=None)

    assert kind_of(state, now=NOW, config=CONFIG) == QUIET


def test_a_running_backfill_takes_its_share_from_the_polls():
    counts = {QUIET: 2000}
    idle, backfilling = plan(counts, LIMITS, CONFIG), plan(counts, LIMITS, CONFIG, backfill_active=True)

    assert backfilling.interval(QUIET) > idle.interval(QUIET)
    calls, share = planned_calls_per_second(counts, backfill_active=True)
    assert calls <= share * 1.0001
    assert share * 300 <= 833 * (1 - 0.15 - 0.30)


def test_plan_for_counts_the_states():
    states = [DomainState(key=n, newest_review_at=NOW - 10 if n % 2 else None, last_webhook_at=None) for n in range(6)]

    p = plan_for(states, now=NOW, limits=LIMITS, config=CONFIG)

    assert p.counts == {ACTIVE: 3, QUIET: 3}
    assert p.domains == 6


def test_rescans_are_spread_over_the_cycle_one_per_domain_and_cycle():
    p = plan({QUIET: 200}, LIMITS, CONFIG)
    rescans: dict[int, int] = {}
    step = 60.0
    moments = [NOW + step * n for n in range(int(3 * p.rescan_interval / step))]
    for key in range(200):
        for before, after in itertools.pairwise(moments):
            state = DomainState(key=key, newest_review_at=None, last_webhook_at=None, last_polled_at=before)
            if rescan_due(state, now=after, plan=p):
                rescans[key] = rescans.get(key, 0) + 1

    assert set(rescans.values()) <= {2, 3, 4}
    per_minute = [0] * len(moments)
    for key in range(200):
        for index, (before, after) in enumerate(itertools.pairwise(moments)):
            state = DomainState(key=key, newest_review_at=None, last_webhook_at=None, last_polled_at=before)
            per_minute[index] += rescan_due(state, now=after, plan=p)
    assert max(per_minute) <= 6  # 200 domains an hour: about 3 a minute, never all at once


def test_a_first_poll_is_not_a_rescan():
    p = plan({QUIET: 1}, LIMITS, CONFIG)

    assert not rescan_due(DomainState(key=1, newest_review_at=None, last_webhook_at=None), now=NOW, plan=p)


def test_the_tick_allowance_is_paced_and_stops_at_the_poll_ceiling():
    p = plan({QUIET: 10_000}, LIMITS, CONFIG)
    fresh = [Usage(limit, total=0) for limit in LIMITS]

    paced = tick_allowance(p, fresh, CONFIG)
    assert 1 <= paced <= p.share_rate * CONFIG.tick * 2 + 1
    full = [Usage(LIMITS[0], total=833 - 125), Usage(LIMITS[1], total=10)]
    assert tick_allowance(p, full, CONFIG) == 0


def test_the_tick_allowance_is_what_the_windows_have_left_above_the_reserve():
    p = plan({QUIET: 10_000}, LIMITS, CONFIG)
    nearly_full = [Usage(LIMITS[0], total=833 - 125 - 3), Usage(LIMITS[1], total=0)]

    assert tick_allowance(p, nearly_full, CONFIG) == 3


def test_the_shares_give_each_priority_its_ceilings():
    shares = Shares(reserve=0.15, backfill=0.30)
    limit = Limit(833, 300)

    assert shares.ceilings(limit, Priority.INTERACTIVE) == (833, None)
    assert shares.ceilings(limit, Priority.POLL) == (833 - 125, None)
    assert shares.ceilings(limit, Priority.BACKFILL) == (833 - 125, 249)


def test_the_window_is_read_as_ten_closed_buckets_and_the_current_one():
    assert window_buckets(300, 3000.0) == range(90, 101)  # [2700, 3030): covers (2700, 3000]
    assert window_buckets(300, 3029.9) == range(90, 101)
    assert window_buckets(3600, 36_000.0) == range(90, 101)  # buckets of 6 minutes
