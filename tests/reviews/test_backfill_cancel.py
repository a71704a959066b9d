"""Cancelling a backfill: by a person or by disconnecting its account; its worker stops at the next page."""

from __future__ import annotations

import pytest

from integrations.models import ReviewTicketLink
from reviews.models import Review, SyncRun
from reviews.services import fetch_ahead, sync
from reviews.services.accounts import account_disconnect
from reviews.services.runs import backfills_cancel
from reviews.tasks import run_backfill
from reviews.trustpilot.client import TrustpilotClient
from tests import factories
from tests.backfill_support import wait_until_stored

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def revoke_nothing(monkeypatch):
    monkeypatch.setattr(TrustpilotClient, "revoke", lambda self, *, token: None)


class CancellingClient:
    """Cancels the run while fetching page number `at`, as a person clicking "Cancel" meanwhile would.

    The cancel waits until the page before is stored (tests.backfill_support).
    """

    def __init__(self, client, run_id: int, at: int) -> None:
        self.client, self.run_id, self.at, self.calls = client, run_id, at, 0

    def review_page(self, **query):
        self.calls += 1
        if self.calls == self.at:
            wait_until_stored(self.run_id, self.at - 1)
            backfills_cancel(runs=SyncRun.objects.filter(pk=self.run_id), reason="Cancelled by root")
        return self.client.review_page(**query)


def test_a_backfill_cancelled_meanwhile_stops_at_its_next_page_without_storing_it(connected, settings):
    settings.TRUSTPILOT_BACKFILL_WINDOW_DAYS = 10
    run = sync.backfill_start(domain=connected.domain, days=130, enqueue=False)
    client = CancellingClient(connected.client, run.pk, at=3)

    stopped = sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=client)

    # Fetching ahead, the page after the one that found the cancel was in flight: fetched, never stored.
    assert client.calls == (4 if fetch_ahead.overlap_possible() else 3)
    assert (stopped.status, stopped.pages_fetched, stopped.error) == (SyncRun.Status.CANCELLED, 2, "Cancelled by root")
    assert stopped.finished_at is not None
    assert (stopped.checkpoint["window"], stopped.checkpoint["page"]) == (2, 1)
    assert Review.objects.count() == stopped.reviews_new
    assert sync.backfill_claim(run_id=run.pk) is None
    sync.backfill_resume(run=stopped, enqueue=False)
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.CANCELLED


def test_disconnecting_the_account_cancels_its_queued_and_running_backfills(revoke_nothing):
    account = factories.TrustpilotAccountFactory()
    queued = factories.SyncRunFactory(domain__account=account, status=SyncRun.Status.QUEUED)
    running = factories.SyncRunFactory(domain__account=account, status=SyncRun.Status.RUNNING)
    finished = factories.SyncRunFactory(domain__account=account, status=SyncRun.Status.SUCCEEDED)
    other = factories.SyncRunFactory(status=SyncRun.Status.QUEUED)

    account_disconnect(account=account, by="admin@trustdesk.test")

    for run in (queued, running):
        run.refresh_from_db()
        assert run.status == SyncRun.Status.CANCELLED
        assert run.error == "Cancelled: the Trustpilot account was disconnected by admin@trustdesk.test"
        assert run.finished_at is not None
    assert SyncRun.objects.get(pk=finished.pk).status == SyncRun.Status.SUCCEEDED
    assert SyncRun.objects.get(pk=other.pk).status == SyncRun.Status.QUEUED
    assert run_backfill.delay(queued.pk).get() is None  # a worker picking it up later does nothing


def test_a_backfill_counts_the_tickets_it_queued_for_zendesk(connected):
    instance = factories.ChannelInstanceFactory(trustpilot_account=connected.account)
    instance.domains.add(connected.domain)
    run = sync.backfill_start(domain=connected.domain, days=365, enqueue=False)

    done = sync.backfill_run(run=sync.backfill_claim(run_id=run.pk), client=connected.client)

    assert done.tickets_queued == ReviewTicketLink.objects.filter(instance=instance).count() > 0
    assert SyncRun.objects.get(pk=run.pk).tickets_queued == done.tickets_queued
