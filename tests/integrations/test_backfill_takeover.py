"""A backfill handed to a second worker while its first is only slow: one owner at a time, nothing twice.

The stall threshold is a guess about the longest page fetch. When a page takes longer (Trustpilot slow, retries,
rate-limit waits), resume_stalled_backfills gives the run to another worker while the first is still fetching:
the first must then store nothing more, or one run would be worked twice and its counts doubled.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from integrations.models import ReviewTicketLink
from reviews.models import Review, SyncRun
from reviews.services import sync
from reviews.tasks import resume_stalled_backfills, run_backfill
from reviews.trustpilot.errors import Unavailable
from sandbox.trustpilot.models import Review as SandboxReview
from tests.backfill_support import wait_until_stored

pytestmark = pytest.mark.django_db(transaction=True)


def looks_stalled(run_id: int) -> None:
    SyncRun.objects.filter(pk=run_id).update(updated_at=timezone.now() - sync.stalled_after() - timedelta(seconds=1))


class SlowClient:
    """Worker A's client: while fetching page `at`, it is taken for dead and worker B runs the whole rest.

    It first lets A store the page before (tests.backfill_support): A is slow at page `at`, not still
    storing the one before.
    """

    def __init__(self, client, run_id: int, at: int, then_fail: bool = False) -> None:
        self.client, self.run_id, self.at, self.calls, self.then_fail = client, run_id, at, 0, then_fail
        self.taken_over: SyncRun | None = None

    def review_page(self, **query):
        self.calls += 1
        if self.calls == self.at:
            wait_until_stored(self.run_id, self.at - 1)
            looks_stalled(self.run_id)
            claimed = sync.backfill_claim(run_id=self.run_id)
            assert claimed is not None
            self.taken_over = sync.backfill_run(run=claimed, client=self.client)
            if self.then_fail:
                raise Unavailable("Trustpilot did not answer within 10s")
        return self.client.review_page(**query)


def unanswered(connected, run: SyncRun):
    unit = next(u for u in connected.sandbox.units if u.identifying_name == connected.domain.name)
    return SandboxReview.objects.filter(business_unit=unit, reply_text="", created_at__gte=run.period_start)


def test_a_slow_worker_whose_run_was_resumed_elsewhere_stores_nothing_more(connected, channel, settings):
    settings.TRUSTPILOT_BACKFILL_WINDOW_DAYS = 10
    run = sync.backfill_start(domain=connected.domain, days=130, enqueue=False)
    slow = SlowClient(connected.client, run.pk, at=4)

    first = sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=slow)

    finished = SyncRun.objects.get(pk=run.pk)
    expected = unanswered(connected, finished).count()
    windows = sync.backfill_windows(finished.period_start, finished.period_end, 10)
    assert slow.taken_over is not None and slow.taken_over.status == SyncRun.Status.SUCCEEDED
    assert first.status == SyncRun.Status.SUCCEEDED  # read back: worker A stopped without writing an outcome
    # A stored three pages, B the rest from A's checkpoint: each window once, each review once.
    assert finished.pages_fetched == len(windows)
    assert finished.reviews_new == Review.objects.count() == expected > 0
    assert finished.tickets_queued == ReviewTicketLink.objects.filter(instance=channel.instance).count() == expected
    per_review = ReviewTicketLink.objects.values("review", "instance").annotate(n=Count("id"))
    assert {row["n"] for row in per_review} == {1}


def test_a_failure_of_the_slow_worker_after_the_takeover_leaves_the_new_owners_outcome(connected, channel, settings):
    settings.TRUSTPILOT_BACKFILL_WINDOW_DAYS = 10
    run = sync.backfill_start(domain=connected.domain, days=130, enqueue=False)
    slow = SlowClient(connected.client, run.pk, at=2, then_fail=True)

    with pytest.raises(Unavailable):
        sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=slow)

    finished = SyncRun.objects.get(pk=run.pk)
    assert (finished.status, finished.error, finished.progress_percent) == (SyncRun.Status.SUCCEEDED, "", 100)
    assert finished.reviews_new == Review.objects.count() == unanswered(connected, finished).count()


def test_a_second_claim_of_a_live_run_is_refused_and_a_stalled_one_changes_the_owner(connected):
    run = sync.backfill_start(domain=connected.domain, days=30, enqueue=False)
    owner = sync.backfill_claim(run_id=run.pk)
    assert owner is not None

    assert sync.backfill_claim(run_id=run.pk) is None
    looks_stalled(run.pk)
    thief = sync.backfill_claim(run_id=run.pk)

    assert thief is not None
    assert thief.checkpoint["claim"] != owner.checkpoint["claim"]
    assert (thief.checkpoint["window"], thief.checkpoint["page"]) == (0, 1)


def test_the_stall_threshold_and_the_resume_interval_are_settings(connected, settings):
    settings.TRUSTPILOT_BACKFILL_STALLED_AFTER = 30
    run = sync.backfill_start(domain=connected.domain, days=30, enqueue=False)
    sync.backfill_claim(run_id=run.pk)
    SyncRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(seconds=20))
    assert sync.stalled_backfills() == []

    SyncRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(seconds=31))

    assert sync.stalled_backfills() == [run.pk]
    assert resume_stalled_backfills.delay().get() == 1  # eager in tests: the run is taken and finished
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.SUCCEEDED
    assert run_backfill.delay(run.pk).get() is None  # a redelivered message finds it finished
