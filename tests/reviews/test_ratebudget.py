"""The Trustpilot call budget is shared through the database and never overspent."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from reviews.models import RateBudgetWindow
from reviews.ratebudget import DatabaseBudget, Limit, prune_windows
from reviews.trustpilot.errors import RateLimited

pytestmark = pytest.mark.django_db


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def budget(clock: FakeClock, *limits: Limit, max_wait: float = 0.0, api_key: str = "key") -> DatabaseBudget:
    return DatabaseBudget(api_key=api_key, limits=limits, max_wait=max_wait, clock=clock, sleep=clock.sleep)


def take(b: DatabaseBudget, times: int) -> int:
    taken = 0
    for _ in range(times):
        try:
            b.acquire()
        except RateLimited:
            continue
        taken += 1
    return taken


def test_calls_beyond_the_limit_are_refused_with_a_retry_time():
    clock = FakeClock(3000.0)
    b = budget(clock, Limit(calls=5, seconds=300))

    assert take(b, 5) == 5
    with pytest.raises(RateLimited) as refused:
        b.acquire()

    assert refused.value.retry_after == 60.0
    assert RateBudgetWindow.objects.get().count == 5


def test_two_processes_with_the_same_api_key_share_one_budget():
    clock = FakeClock(3000.0)
    web, worker = budget(clock, Limit(5, 300)), budget(clock, Limit(5, 300))

    assert take(web, 3) + take(worker, 10) == 5


def test_different_api_keys_have_separate_budgets():
    clock = FakeClock(3000.0)

    assert take(budget(clock, Limit(2, 300), api_key="a"), 5) + take(budget(clock, Limit(2, 300), api_key="b"), 5) == 4


def test_the_stored_key_is_a_digest_not_the_api_key():
    budget(FakeClock(3000.0), Limit(5, 300), api_key="secret-api-key").acquire()

    assert "secret-api-key" not in RateBudgetWindow.objects.get().key


def test_calls_free_up_once_their_bucket_left_the_window():
    clock = FakeClock(3000.0)  # the start of a 30 s bucket of the 5-minute limit
    b = budget(clock, Limit(10, 300))
    assert take(b, 10) == 10

    clock.now = 3299.0  # still inside the window of those calls
    assert take(b, 10) == 0
    clock.now = 3301.0  # a sliding window no longer holds them, but their bucket still counts
    assert take(b, 10) == 0
    clock.now = 3330.0  # the bucket left: the window is free again
    assert take(b, 10) == 10


def test_calls_bunched_at_the_end_of_a_window_still_count_at_the_start_of_the_next():
    clock = FakeClock(3299.0)
    b = budget(clock, Limit(10, 300))
    assert take(b, 10) == 10

    clock.now = 3310.0  # a true sliding window still holds all ten
    assert take(b, 10) == 0
    clock.now = 3580.0
    assert take(b, 10) == 0


def test_an_exhausted_longer_limit_gives_back_the_call_taken_from_the_shorter_one():
    clock = FakeClock(7200.0)
    b = budget(clock, Limit(100, 300), Limit(3, 3600))

    assert take(b, 10) == 3
    five_minutes = RateBudgetWindow.objects.get(window_seconds=300)
    assert five_minutes.count == 3


def test_acquire_waits_within_max_wait_for_the_budget_to_free_up():
    clock = FakeClock(3299.0)
    b = budget(clock, Limit(2, 300), max_wait=600)
    take(b, 2)

    b.acquire()

    assert clock.slept
    assert clock.now > 3299.0


def test_old_windows_are_pruned():
    clock = FakeClock(100_000.0)
    budget(clock, Limit(5, 300), Limit(50, 3600)).acquire()
    clock.now += 5 * 3600
    budget(clock, Limit(5, 300), Limit(50, 3600)).acquire()

    deleted = prune_windows(now=clock.now)

    assert deleted == 2
    assert RateBudgetWindow.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_processes_never_overspend():
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent connections: runs on PostgreSQL in .ci/run")
    results: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        count = take(DatabaseBudget(api_key="shared", limits=[Limit(50, 300)]), 10)
        with lock:
            results.append(count)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 50
