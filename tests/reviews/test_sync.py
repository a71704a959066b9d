"""Polling, re-scanning and "sync unanswered reviews" against the Trustpilot sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.models import Domain, Reply, Review, ReviewEdit, SyncRun, TrustpilotAccount
from reviews.services import sync
from reviews.services.accounts import ReauthorizationNeeded, account_refresh
from reviews.trustpilot import get_client
from reviews.trustpilot.errors import Unavailable
from sandbox.trustpilot import faults, oauth
from sandbox.trustpilot.auth import API_KEY
from sandbox.trustpilot.models import Review as SandboxReview
from sandbox.trustpilot.models import Token

pytestmark = pytest.mark.django_db(transaction=True)


def sandbox_reviews(connected, **filters):
    unit = next(u for u in connected.sandbox.units if u.identifying_name == connected.domain.name)
    return SandboxReview.objects.filter(business_unit=unit, **filters)


def test_a_poll_brings_in_every_review_of_the_period_with_its_fields(connected):
    run = sync.domain_poll(domain=connected.domain, client=connected.client)

    expected = sandbox_reviews(connected)
    assert (run.status, run.reviews_new, run.reviews_seen) == (
        SyncRun.Status.SUCCEEDED,
        expected.count(),
        expected.count(),
    )
    assert Review.objects.filter(domain=connected.domain).count() == expected.count()
    sample = expected.order_by("created_at").first()
    stored = Review.objects.get(trustpilot_id=sample.id)
    assert (stored.stars, stored.title, stored.text, stored.language) == (
        sample.stars,
        sample.title,
        sample.text,
        sample.language,
    )
    connected.domain.refresh_from_db()
    assert connected.domain.poll_watermark == expected.order_by("-created_at").first().created_at
    assert connected.domain.last_successful_poll_at is not None
    assert connected.domain.last_error == ""


def test_polling_again_stores_nothing_twice_and_starts_at_the_watermark(connected, settings):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    connected.domain.refresh_from_db()

    again = sync.domain_poll(domain=connected.domain, client=connected.client)

    assert again.reviews_new == 0
    assert again.period_start == connected.domain.poll_watermark - timedelta(seconds=settings.TRUSTPILOT_POLL_OVERLAP)
    assert Review.objects.count() == Review.objects.values("trustpilot_id").distinct().count()


def test_a_rescan_records_an_edit_made_on_trustpilot(connected):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    edited = sandbox_reviews(connected).order_by("-created_at").first()
    SandboxReview.objects.filter(pk=edited.pk).update(
        stars=1, text="Update: it broke after a week.", updated_at=timezone.now()
    )

    run = sync.domain_poll(domain=connected.domain, kind=SyncRun.Kind.RESCAN, client=connected.client)

    assert run.status == SyncRun.Status.SUCCEEDED
    edit = ReviewEdit.objects.get(review__trustpilot_id=edited.id)
    assert (edit.stars_before, edit.stars) == (edited.stars, 1)
    assert edit.text == "Update: it broke after a week."


def test_a_rescan_mirrors_a_reply_written_in_trustpilot_business(connected):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    target = sandbox_reviews(connected, reply_text="").first()
    SandboxReview.objects.filter(pk=target.pk).update(
        reply_text="Thanks, we called you back.", reply_created_at=timezone.now()
    )

    sync.domain_poll(domain=connected.domain, kind=SyncRun.Kind.RESCAN, client=connected.client)

    mirrored = Reply.objects.get(review__trustpilot_id=target.id, origin=Reply.Origin.TRUSTPILOT)
    assert (mirrored.message, mirrored.status) == ("Thanks, we called you back.", Reply.Status.SENT)


def test_an_expired_token_is_refreshed_once_and_the_rotated_tokens_are_saved(connected):
    old_access = connected.account.access_token.reveal()
    old_refresh = connected.account.refresh_token.reveal()
    faults.access_tokens_expire()

    run = sync.domain_poll(domain=connected.domain, client=connected.client)

    assert run.status == SyncRun.Status.SUCCEEDED
    account = TrustpilotAccount.objects.get(pk=connected.account.pk)
    assert account.access_token.reveal() != old_access
    assert account.refresh_token.reveal() != old_refresh
    assert Token.objects.get(value=old_refresh).revoked is True
    assert account.status == TrustpilotAccount.Status.CONNECTED


def test_a_refused_refresh_needs_reauthorization_and_stops_polling(connected):
    oauth.token_revoke(value=connected.account.refresh_token.reveal(), api_key=API_KEY)

    with pytest.raises(ReauthorizationNeeded):
        sync.domain_poll(domain=connected.domain, client=connected.client)

    account = TrustpilotAccount.objects.get(pk=connected.account.pk)
    assert account.status == TrustpilotAccount.Status.NEEDS_REAUTHORIZATION
    assert "refused the refresh token" in account.status_reason
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED
    assert "needs re-authorization" in Domain.objects.get(pk=connected.domain.pk).last_error
    assert sync.pollable_domains() == []


def test_a_second_worker_uses_the_tokens_the_first_one_refreshed(connected):
    stale = connected.account.access_token.reveal()
    first = account_refresh(account_id=connected.account.pk, stale_access_token=stale)
    tokens_before = Token.objects.count()

    second = account_refresh(account_id=connected.account.pk, stale_access_token=stale)

    assert second.access_token == first.access_token
    assert Token.objects.count() == tokens_before


@pytest.mark.parametrize("status", [429, 503])
def test_rate_limits_and_outages_are_retried_after_retry_after(connected, status):
    faults.faults_set(fail_next=2, fail_status=status, retry_after=1)

    run = sync.domain_poll(domain=connected.domain, client=connected.client)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert connected.sleeps == [1.0, 1.0]
    assert run.reviews_new == sandbox_reviews(connected).count()


def test_an_outage_that_outlasts_the_retries_is_recorded_on_the_run_and_the_domain(connected):
    faults.faults_set(fail_next=10, fail_status=502)

    with pytest.raises(Unavailable):
        sync.domain_poll(domain=connected.domain, client=get_client(sleep=lambda _: None, max_attempts=2))

    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED
    assert "Unavailable" in run.error
    assert "Unavailable" in Domain.objects.get(pk=connected.domain.pk).last_error


def test_sync_unanswered_brings_in_only_unanswered_reviews_of_the_period(connected, settings):
    settings.TRUSTPILOT_BACKFILL_WINDOW_DAYS = 20
    run = sync.backfill_start(domain=connected.domain, days=130, enqueue=False)

    run = sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=connected.client)

    unanswered = sandbox_reviews(connected, reply_text="", created_at__gte=run.period_start)
    assert (run.status, run.progress_percent) == (SyncRun.Status.SUCCEEDED, 100)
    assert run.reviews_new == unanswered.count() > 0
    assert set(Review.objects.values_list("trustpilot_id", flat=True)) == set(unanswered.values_list("id", flat=True))
    assert run.pages_fetched == len(sync.backfill_windows(run.period_start, run.period_end, 20))


class CrashingClient:
    """Stands for a worker that dies after `pages` pages: the exception escapes every handler."""

    def __init__(self, client, pages: int) -> None:
        self.client, self.pages = client, pages

    def review_page(self, **query):
        if self.pages == 0:
            raise SystemExit("worker lost")
        self.pages -= 1
        return self.client.review_page(**query)


def test_a_backfill_resumes_from_its_checkpoint_after_its_worker_died(connected, settings):
    settings.TRUSTPILOT_BACKFILL_WINDOW_DAYS = 10
    run = sync.backfill_start(domain=connected.domain, days=130, enqueue=False)
    with pytest.raises(SystemExit):
        sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=CrashingClient(connected.client, pages=5))
    crashed = SyncRun.objects.get(pk=run.pk)
    assert (crashed.status, crashed.pages_fetched, crashed.checkpoint["window"], crashed.checkpoint["page"]) == (
        SyncRun.Status.RUNNING,
        5,
        5,
        1,
    )
    assert sync.backfill_claim(run_id=run.pk) is None  # its heartbeat is fresh: maybe still alive
    SyncRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    assert sync.stalled_backfills() == [run.pk]

    resumed = sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=connected.client)

    windows = sync.backfill_windows(run.period_start, run.period_end, 10)
    unanswered = sandbox_reviews(connected, reply_text="", created_at__gte=run.period_start)
    assert resumed.status == SyncRun.Status.SUCCEEDED
    assert resumed.pages_fetched == len(windows)
    assert resumed.reviews_new == Review.objects.count() == unanswered.count()


def test_a_backfill_hit_by_an_outage_goes_back_to_the_queue_and_continues(connected):
    run = sync.backfill_start(domain=connected.domain, days=130, enqueue=False)
    faults.faults_set(fail_next=1, fail_status=503)
    flaky = get_client(sleep=lambda _: None, max_attempts=1)

    with pytest.raises(Unavailable):
        sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=flaky)
    waiting = SyncRun.objects.get(pk=run.pk)
    assert waiting.status == SyncRun.Status.QUEUED
    assert "Unavailable" in waiting.error

    finished = sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=connected.client)

    assert finished.status == SyncRun.Status.SUCCEEDED
    assert finished.reviews_new == sandbox_reviews(connected, reply_text="", created_at__gte=run.period_start).count()


def test_a_disabled_domain_is_not_polled(connected):
    Domain.objects.filter(pk=connected.domain.pk).update(enabled=False)
    connected.domain.refresh_from_db()

    with pytest.raises(sync.DomainNotPollable):
        sync.domain_poll(domain=connected.domain, client=connected.client)

    assert connected.domain not in sync.pollable_domains()
    assert not SyncRun.objects.exists()
