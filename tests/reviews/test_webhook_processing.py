"""Re-reading what a Trustpilot webhook named, against the sandbox over real HTTP: stored as a poll stores it,
and only for the account's own enabled, accessible domains."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from integrations.models import ReviewTicketLink
from reviews import tasks
from reviews.models import Domain, Review, ReviewEdit, TrustpilotAccount, WebhookDelivery
from reviews.services import sync, webhooks
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import Unavailable
from reviews.trustpilot.moderation import REMOVED
from sandbox.trustpilot import faults, writing
from sandbox.trustpilot.models import BusinessUnit
from sandbox.trustpilot.models import Review as SandboxReview
from tests import factories
from tests.sandbox import factories as sandbox_factories
from trustdesk.tasks import MAX_RETRIES

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every single-review read sent to Trustpilot, by review id."""
    seen: list[str] = []
    original = TrustpilotClient.get_review

    def counted(self, *, access_token, review_id):
        seen.append(review_id)
        return original(self, access_token=access_token, review_id=review_id)

    monkeypatch.setattr(TrustpilotClient, "get_review", counted)
    return seen


@pytest.fixture
def no_task(monkeypatch) -> list[int]:
    """Deliveries are processed by the test itself, with the fixture's client."""
    queued: list[int] = []
    monkeypatch.setattr(tasks.process_webhook_delivery, "delay", queued.append)
    return queued


def unit_of(connected) -> BusinessUnit:
    return BusinessUnit.objects.get(pk=connected.domain.business_unit_id)


def deliver(account: TrustpilotAccount, *reviews: tuple[str, str]) -> WebhookDelivery:
    body = {"events": [{"eventName": name, "version": "1", "eventData": {"id": rid}} for name, rid in reviews]}
    return webhooks.delivery_receive(account=account, body=json.dumps(body).encode())


def process(connected, delivery: WebhookDelivery) -> WebhookDelivery:
    webhooks.delivery_process(delivery_id=delivery.pk, client=connected.client)
    return WebhookDelivery.objects.get(pk=delivery.pk)


def test_a_new_review_is_stored_queued_for_zendesk_and_pushed_at_once(connected, no_task, settings, monkeypatch):
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk-push"
    pushed: list[int] = []
    monkeypatch.setattr("integrations.tasks.push_instance.delay", pushed.append)
    instance = factories.ChannelInstanceFactory(trustpilot_account=connected.account)
    instance.domains.add(connected.domain)
    review = writing.review_write(unit_of(connected), stars=2, title="Late parcel")

    done = process(connected, deliver(connected.account, ("service-review-created", review.id)))

    assert (done.status, done.stored, done.ignored) == (WebhookDelivery.Status.DONE, 1, 0)
    stored = Review.objects.get(trustpilot_id=review.id)
    assert (stored.domain, stored.stars, stored.title) == (connected.domain, 2, "Late parcel")
    assert ReviewTicketLink.objects.filter(instance=instance, review=stored).exists()
    assert pushed == [instance.pk]
    domain = Domain.objects.get(pk=connected.domain.pk)
    assert domain.last_webhook_at is not None
    assert domain.poll_watermark is None  # a poll may still have older reviews to find


def test_an_edit_is_found_by_the_normal_upsert(connected, no_task):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    review = SandboxReview.objects.filter(business_unit=unit_of(connected)).first()
    writing.review_edit(review, stars=1, text="Broke after a week.")

    done = process(connected, deliver(connected.account, ("service-review-updated", review.id)))

    assert done.stored == 1
    edit = ReviewEdit.objects.get(review__trustpilot_id=review.id)
    assert (edit.stars, edit.text) == (1, "Broke after a week.")


def test_a_deleted_review_we_have_is_marked_removed(connected, no_task):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    review = SandboxReview.objects.filter(business_unit=unit_of(connected)).first()
    writing.review_delete(review)

    done = process(connected, deliver(connected.account, ("service-review-deleted", review.id)))

    assert done.removed == 1
    assert Review.objects.get(trustpilot_id=review.id).trustpilot_status == REMOVED


def test_a_404_for_another_accounts_review_removes_nothing(connected, no_task):
    theirs = factories.ReviewFactory(trustpilot_id="ffffffffffffffffffffffff")

    done = process(connected, deliver(connected.account, ("service-review-deleted", theirs.trustpilot_id)))

    assert (done.removed, done.ignored) == (0, 1)
    assert Review.objects.get(pk=theirs.pk).trustpilot_status == ""


def test_a_review_of_a_unit_the_account_cannot_open_is_not_stored(connected, no_task):
    stranger = sandbox_factories.BusinessUnitFactory(users=[sandbox_factories.BusinessUserFactory()])
    foreign = writing.review_write(stranger)

    done = process(connected, deliver(connected.account, ("service-review-created", foreign.id)))

    assert (done.status, done.ignored, done.stored) == (WebhookDelivery.Status.DONE, 1, 0)
    assert not Review.objects.filter(trustpilot_id=foreign.id).exists()
    assert "refused" in done.error


def test_a_review_of_a_disabled_or_refused_domain_is_not_stored(connected, no_task):
    Domain.objects.filter(pk=connected.domain.pk).update(enabled=False)
    review = writing.review_write(unit_of(connected))

    done = process(connected, deliver(connected.account, ("service-review-created", review.id)))

    assert done.ignored == 1
    assert "not an enabled domain" in done.error
    assert not Review.objects.filter(trustpilot_id=review.id).exists()
    assert Domain.objects.get(pk=connected.domain.pk).last_webhook_at is None


def test_the_same_review_named_many_times_costs_one_read(connected, no_task, reads):
    review = writing.review_write(unit_of(connected))
    first = deliver(connected.account, ("service-review-created", review.id))
    repeats = [deliver(connected.account, ("service-review-created", review.id)) for _ in range(4)]

    for delivery in [first, *repeats]:
        process(connected, delivery)

    assert reads == [review.id]
    assert [WebhookDelivery.objects.get(pk=d.pk).coalesced for d in repeats] == [1, 1, 1, 1]
    later = deliver(connected.account, ("service-review-updated", review.id))  # arrived after the read started
    process(connected, later)
    assert reads == [review.id, review.id]


def test_an_outage_is_retried_and_the_retry_resumes_where_it_stopped(connected, no_task, reads, monkeypatch):
    unit = unit_of(connected)
    first, second = writing.review_write(unit), writing.review_write(unit)
    delivery = deliver(connected.account, ("service-review-created", first.id), ("service-review-created", second.id))
    counted = TrustpilotClient.get_review

    def down_for_the_second(self, *, access_token, review_id):
        if review_id == second.id:
            faults.faults_set(fail_next=50, fail_status=503)  # Trustpilot goes down after the first read
        return counted(self, access_token=access_token, review_id=review_id)

    monkeypatch.setattr(TrustpilotClient, "get_review", down_for_the_second)
    with pytest.raises(Unavailable):
        webhooks.delivery_process(delivery_id=delivery.pk, client=connected.client)
    assert WebhookDelivery.objects.get(pk=delivery.pk).progress == 1
    faults.faults_reset()
    monkeypatch.setattr(TrustpilotClient, "get_review", counted)
    reads.clear()

    done = process(connected, delivery)

    assert reads == [second.id]  # the first review was not read again
    assert (done.status, done.stored) == (WebhookDelivery.Status.DONE, 2)
    assert "Unavailable" in done.error
    assert Review.objects.filter(trustpilot_id__in=[first.id, second.id]).count() == 2


def test_the_task_gives_up_after_its_retries_and_says_so(monkeypatch, db):
    account = factories.TrustpilotAccountFactory()
    delivery = WebhookDelivery.objects.create(account=account, reviews=[["service-review-created", "a" * 24]])

    def down(**kwargs):
        raise Unavailable("Trustpilot is down", status=503)

    monkeypatch.setattr(webhooks, "delivery_process", down)
    tasks.process_webhook_delivery.apply(args=[delivery.pk], retries=MAX_RETRIES)  # the last retry

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "Gave up after" in delivery.error


def test_an_account_disconnected_before_the_task_ran_reads_nothing(connected, no_task, reads):
    delivery = deliver(connected.account, ("service-review-created", "a" * 24))
    TrustpilotAccount.objects.filter(pk=connected.account.pk).update(status=TrustpilotAccount.Status.DISCONNECTED)

    done = process(connected, delivery)

    assert done.status == WebhookDelivery.Status.FAILED
    assert "not connected" in done.error
    assert reads == []


def test_an_unknown_review_is_ignored_and_the_delivery_is_done(connected, no_task):
    done = process(connected, deliver(connected.account, ("service-review-created", "0" * 24)))

    assert (done.status, done.ignored, done.processed_at is not None) == (WebhookDelivery.Status.DONE, 1, True)
    assert done.processed_at <= timezone.now()


def test_old_reads_are_pruned_with_the_sync_history(connected, no_task):
    review = writing.review_write(unit_of(connected))
    process(connected, deliver(connected.account, ("service-review-created", review.id)))

    assert webhooks.reads_prune(kept_for=timezone.timedelta(0)) == 1
