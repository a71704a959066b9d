"""Fetching the next page while the current one is stored: same pages, same order, nothing left running."""

from __future__ import annotations

import threading
from contextlib import closing

import pytest
from django.db import connection, transaction

from reviews.services import fetch_ahead
from reviews.trustpilot.types import ReviewPage
from trustdesk import deadline


def page(number: int, *, last: bool) -> ReviewPage:
    return ReviewPage(page=number, per_page=100, reviews=[], item_count=0 if last else 100)


class Pages:
    """Three pages; records which keys were fetched, and in which thread."""

    def __init__(self, count: int = 3, *, fails_at: int | None = None) -> None:
        self.count, self.fails_at = count, fails_at
        self.fetched: list[int] = []
        self.threads: set[str] = set()
        self.started = {n: threading.Event() for n in range(1, count + 1)}

    def fetch(self, number: int) -> ReviewPage:
        self.fetched.append(number)
        self.threads.add(threading.current_thread().name)
        self.started[number].set()
        if number == self.fails_at:
            raise RuntimeError(f"page {number} failed")
        return page(number, last=number == self.count)

    @staticmethod
    def following(number: int, fetched: ReviewPage) -> int | None:
        return None if fetched.is_last else number + 1


@pytest.fixture
def overlapping(monkeypatch):
    monkeypatch.setattr(fetch_ahead, "overlap_possible", lambda: True)


def test_pages_come_in_order_and_stop_after_the_last_either_way(overlapping):
    for source in (Pages(), Pages()):
        with closing(fetch_ahead.pages(source.fetch, 1, source.following)) as stream:
            assert [key for key, _ in stream] == [1, 2, 3]
        assert source.fetched == [1, 2, 3]  # nothing fetched past the last page


def test_the_next_page_is_fetched_while_the_caller_works_on_the_current_one(overlapping):
    source = Pages()
    with closing(fetch_ahead.pages(source.fetch, 1, source.following)) as stream:
        for number, _ in stream:
            if number < 3:
                # The caller is still "storing" page n: page n+1 starts meanwhile, in another thread.
                assert source.started[number + 1].wait(timeout=10)
    assert threading.current_thread().name not in source.threads


def test_without_overlap_pages_are_fetched_in_the_callers_thread_one_after_another(monkeypatch):
    monkeypatch.setattr(fetch_ahead, "overlap_possible", lambda: False)
    source = Pages()
    with closing(fetch_ahead.pages(source.fetch, 1, source.following)) as stream:
        for number, _ in stream:
            assert source.fetched == list(range(1, number + 1))
    assert source.threads == {threading.current_thread().name}


def test_a_failed_fetch_is_raised_after_the_pages_before_it(overlapping):
    source = Pages(fails_at=2)
    seen = []
    with (
        pytest.raises(RuntimeError, match="page 2 failed"),
        closing(fetch_ahead.pages(source.fetch, 1, source.following)) as stream,
    ):
        for number, _ in stream:
            seen.append(number)
    assert seen == [1]


def test_a_caller_that_stops_waits_for_the_page_in_flight_and_fetches_no_more(overlapping):
    release = threading.Event()
    source = Pages()

    def slow_fetch(number: int) -> ReviewPage:
        if number == 2:
            assert release.wait(timeout=10)
        return source.fetch(number)

    stream = fetch_ahead.pages(slow_fetch, 1, source.following)
    with pytest.raises(ValueError, match="store failed"), closing(stream):
        for _ in stream:
            threading.Timer(0.05, release.set).start()
            raise ValueError("store failed")
    assert source.fetched == [1, 2]  # closing waited for page 2, and page 3 never started


def test_no_first_key_means_no_page():
    assert list(fetch_ahead.pages(Pages().fetch, None, Pages.following)) == []


def test_the_callers_deadline_holds_in_the_fetching_thread(overlapping):
    left: list[float | None] = []

    def fetch(number: int) -> ReviewPage:
        left.append(deadline.time_left())
        return page(number, last=number == 2)

    with deadline.within(30), closing(fetch_ahead.pages(fetch, 1, Pages.following)) as stream:
        list(stream)
    assert len(left) == 2 and all(seconds is not None and 0 < seconds <= 30 for seconds in left)


@pytest.mark.django_db(transaction=True)
def test_overlap_needs_postgresql_and_no_open_transaction():
    assert fetch_ahead.overlap_possible() is (connection.vendor == "postgresql")
    with transaction.atomic():
        assert fetch_ahead.overlap_possible() is False
