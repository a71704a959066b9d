"""The scheduler's database side: which domains a tick queues, in what order, and when each is next due."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from reviews import tasks
from reviews.models import Domain, RateBudgetWindow, SyncRun, TrustpilotAccount
from reviews.services import polling
from reviews.trustpilot.errors import RateLimited
from tests.factories import DomainFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def knobs(settings):
    settings.TRUSTPILOT_POLL_INTERVAL = 60
    settings.TRUSTPILOT_POLL_TICK = 5
    settings.TRUSTPILOT_RESCAN_INTERVAL = 3600
    settings.TRUSTPILOT_WEBHOOK_WINDOW = 3600
    settings.TRUSTPILOT_WEBHOOK_POLL_FACTOR = 10
    settings.TRUSTPILOT_ACTIVE_WINDOW = 6 * 3600
    settings.TRUSTPILOT_ACTIVE_WEIGHT = 4
    settings.TRUSTPILOT_RATE_LIMIT_5MIN = 833
    settings.TRUSTPILOT_RATE_LIMIT_HOUR = 10_000


def ids(due: list[polling.Due]) -> list[int]:
    return [poll.domain_id for poll in due]


def test_never_polled_domains_come_first_then_the_longest_overdue():
    now = timezone.now()
    late = DomainFactory(next_poll_at=now - timedelta(minutes=5))
    later = DomainFactory(next_poll_at=now - timedelta(minutes=1))
    never = DomainFactory()
    DomainFactory(next_poll_at=now + timedelta(seconds=30))  # not due yet

    assert ids(polling.polls_due(now=now)) == [never.pk, late.pk, later.pk]


def test_a_queued_domain_is_next_due_one_interval_later_and_not_queued_again_before():
    now = timezone.now()
    domain = DomainFactory()

    assert ids(polling.polls_due(now=now)) == [domain.pk]
    domain.refresh_from_db()
    assert domain.next_poll_at == now + timedelta(seconds=60)
    assert polling.polls_due(now=now) == []
    assert polling.polls_due(now=now + timedelta(seconds=57)) == []
    # Within half a tick of its time it is due: the tick's clock varies with the worker's start.
    assert ids(polling.polls_due(now=now + timedelta(seconds=58))) == [domain.pk]


def test_disabled_refused_and_disconnected_domains_are_not_scheduled():
    now = timezone.now()
    DomainFactory(enabled=False)
    DomainFactory(access_denied_at=now)
    DomainFactory(account__status=TrustpilotAccount.Status.NEEDS_REAUTHORIZATION)
    pollable = DomainFactory()

    assert ids(polling.polls_due(now=now)) == [pollable.pk]
    assert polling.current_plan(now=now).domains == 1


def test_a_domain_whose_webhooks_arrive_relaxes_and_tightens_again_when_they_stop():
    now = timezone.now()
    domain = DomainFactory(last_webhook_at=now - timedelta(minutes=10))

    polling.polls_due(now=now)
    domain.refresh_from_db()
    assert domain.next_poll_at == now + timedelta(seconds=600)

    later = now + timedelta(hours=2)  # no webhook for more than TRUSTPILOT_WEBHOOK_WINDOW
    polling.polls_due(now=later)
    domain.refresh_from_db()
    assert domain.next_poll_at == later + timedelta(seconds=60)


def test_one_tick_queues_no_more_than_its_part_of_the_poll_share(settings):
    now = timezone.now()
    DomainFactory.create_batch(60)
    plan = polling.current_plan(now=now)

    first = polling.polls_due(now=now)

    assert 1 <= len(first) <= plan.share_rate * settings.TRUSTPILOT_POLL_TICK * 2 + 1 < 60
    second = polling.polls_due(now=now + timedelta(seconds=5))
    assert not set(ids(first)) & set(ids(second))


def test_nothing_is_queued_while_the_window_is_used_up_to_the_reserve():
    DomainFactory()
    budget = polling.poll_budget()
    index = int(time.time() * 10 // 300)
    RateBudgetWindow.objects.create(key=budget.key, window_seconds=300, window_index=index, count=833 - 125)

    assert polling.polls_due(budget=budget) == []
    assert Domain.objects.get().next_poll_at is None  # still due: the next tick with budget takes it


def test_a_running_backfill_stretches_the_intervals_to_keep_its_share(settings):
    DomainFactory.create_batch(300)
    idle = polling.current_plan(now=timezone.now())
    SyncRunFactory(status=SyncRun.Status.RUNNING)

    backfilling = polling.current_plan(now=timezone.now())

    assert backfilling.share_rate < idle.share_rate
    assert backfilling.interval_range()[1] > idle.interval_range()[1]


def test_a_poll_past_its_point_in_the_rescan_cycle_is_a_rescan():
    now = timezone.now()
    rescan = DomainFactory(last_polled_at=now - timedelta(hours=3))
    poll = DomainFactory(last_polled_at=now)
    first = DomainFactory()

    kinds = {due.domain_id: due.kind for due in polling.polls_due(now=now)}

    assert kinds == {rescan.pk: SyncRun.Kind.RESCAN, poll.pk: SyncRun.Kind.POLL, first.pk: SyncRun.Kind.POLL}


def test_the_beat_task_queues_each_due_domain_with_its_kind(monkeypatch):
    queued: list[tuple[int, str]] = []
    monkeypatch.setattr(tasks.poll_domain, "delay", lambda pk, kind: queued.append((pk, kind)))
    domains = DomainFactory.create_batch(3)

    assert tasks.poll_due_domains() == 3

    assert sorted(queued) == sorted((domain.pk, SyncRun.Kind.POLL) for domain in domains)


def test_effective_intervals_per_domain():
    now = timezone.now()
    quiet = DomainFactory()
    hooked = DomainFactory(last_webhook_at=now)
    plan = polling.current_plan(now=now)
    rows = Domain.objects.values_list("pk", "poll_watermark", "last_webhook_at")

    assert polling.effective_intervals(plan, rows, now=now) == {quiet.pk: 60, hooked.pk: 600}
    assert plan.interval_range() == (60, 600)


@pytest.mark.django_db(transaction=True)
def test_overlapping_ticks_never_queue_a_domain_twice():
    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent connections: runs on PostgreSQL in .ci/run")
    DomainFactory.create_batch(15)
    now = timezone.now()
    results: list[list[int]] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def tick() -> None:
        start.wait()
        due = ids(polling.polls_due(now=now))
        with lock:
            results.append(due)
        connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    queued = [pk for due in results for pk in due]
    assert len(queued) == len(set(queued)) == 15


def test_a_poll_the_budget_refused_is_due_again_at_once(monkeypatch):
    domain = DomainFactory(next_poll_at=timezone.now() + timedelta(hours=1))

    def refused(**_: object) -> None:
        raise RateLimited("spent", status=None, retry_after=1.0)

    monkeypatch.setattr(tasks.sync, "domain_poll", refused)
    tasks.poll_domain.delay(domain.pk).get()

    domain.refresh_from_db()
    assert domain.next_poll_at <= timezone.now()


def test_a_poll_trustpilot_refused_with_429_waits_for_its_next_turn(monkeypatch):
    later = timezone.now() + timedelta(hours=1)
    domain = DomainFactory(next_poll_at=later)

    def refused(**_: object) -> None:
        raise RateLimited("429", status=429, retry_after=30.0)

    monkeypatch.setattr(tasks.sync, "domain_poll", refused)
    tasks.poll_domain.delay(domain.pk).get()

    domain.refresh_from_db()
    assert domain.next_poll_at == later
