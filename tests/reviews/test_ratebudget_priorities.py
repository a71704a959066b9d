"""Priorities in the shared budget: a reserve only replies and webhooks take, a bounded share for backfills."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from reviews.ratebudget import DatabaseBudget, Limit
from reviews.schedule import Priority, Shares
from reviews.trustpilot.errors import RateLimited
from tests.reviews.test_ratebudget import FakeClock, take

pytestmark = pytest.mark.django_db

SHARES = Shares(reserve=0.2, backfill=0.3)  # of 10 calls: 2 kept for replies, at most 3 for backfills


def budget(clock: FakeClock, priority: Priority, *limits: Limit) -> DatabaseBudget:
    return DatabaseBudget(
        api_key="key",
        limits=limits or [Limit(10, 300)],
        clock=clock,
        sleep=clock.sleep,
        priority=priority,
        shares=SHARES,
    )


def test_polls_leave_the_reserve_to_replies():
    clock = FakeClock(3000.0)

    assert take(budget(clock, Priority.POLL), 20) == 8
    assert take(budget(clock, Priority.INTERACTIVE), 20) == 2


def test_backfills_stop_at_their_share_and_leave_the_rest_to_polls():
    clock = FakeClock(3000.0)

    assert take(budget(clock, Priority.BACKFILL), 20) == 3
    assert take(budget(clock, Priority.POLL), 20) == 5
    assert take(budget(clock, Priority.INTERACTIVE), 20) == 2


def test_a_backfill_call_waits_while_polls_have_used_the_window_to_the_reserve():
    clock = FakeClock(3000.0)
    assert take(budget(clock, Priority.POLL), 8) == 8

    with pytest.raises(RateLimited):
        budget(clock, Priority.BACKFILL).acquire()


def test_a_refused_backfill_call_gives_back_what_it_took_from_the_shorter_limit():
    clock = FakeClock(7200.0)
    limits = (Limit(10, 300), Limit(100, 3600))
    assert take(budget(clock, Priority.BACKFILL, *limits), 50) == 3

    usage = budget(clock, Priority.POLL, *limits).usage()

    assert [(used.total, used.backfill) for used in usage] == [(3, 3), (3, 3)]


def test_the_backfill_share_slides_like_the_limit():
    clock = FakeClock(3000.0)
    backfill = budget(clock, Priority.BACKFILL)
    assert take(backfill, 10) == 3

    clock.now = 3299.0  # the backfill's own window is still full
    assert take(backfill, 10) == 0
    clock.now = 3330.0  # its calls left the window
    assert take(backfill, 10) == 3


def test_usage_reports_the_sliding_counts():
    clock = FakeClock(3000.0)
    take(budget(clock, Priority.BACKFILL), 2)
    clock.now = 3150.0
    take(budget(clock, Priority.INTERACTIVE), 4)
    clock.now = 3330.0  # the bucket of the backfill's calls (3000 s) left the window, the replies' (3150 s) did not

    (used,) = budget(clock, Priority.POLL).usage()

    assert (used.total, used.backfill) == (4, 0)


def test_the_default_priority_is_the_whole_limit():
    clock = FakeClock(3000.0)

    assert take(DatabaseBudget(api_key="key", limits=[Limit(10, 300)], clock=clock, shares=SHARES), 20) == 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_backfills_polls_and_replies_keep_to_their_shares():
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent connections: runs on PostgreSQL in .ci/run")
    taken: dict[Priority, int] = dict.fromkeys(Priority, 0)
    lock = threading.Lock()
    start = threading.Barrier(12)

    def worker(priority: Priority) -> None:
        b = DatabaseBudget(api_key="shared", limits=[Limit(100, 300)], priority=priority, shares=SHARES)
        start.wait()
        count = take(b, 10 if priority is Priority.INTERACTIVE else 40)
        with lock:
            taken[priority] += count
        connection.close()

    order = [Priority.BACKFILL] * 6 + [Priority.POLL] * 4 + [Priority.INTERACTIVE] * 2
    threads = [threading.Thread(target=worker, args=(priority,)) for priority in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert taken[Priority.BACKFILL] <= 30
    assert taken[Priority.BACKFILL] + taken[Priority.POLL] <= 80
    # Six backfill processes could not take polling's share: polls got all the rest but the replies' calls.
    assert taken[Priority.POLL] >= 80 - 30 - taken[Priority.INTERACTIVE]
    assert taken[Priority.INTERACTIVE] == 20  # the reserve was there for every reply
    assert sum(taken.values()) <= 100
