"""The whole loop over real HTTP: a review written in the Trustpilot sandbox → its webhook → TrustDesk's receiver →
the task re-reads it → stored and queued for Zendesk. And `connect_sandbox` subscribes the account's URL."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import requests
from django.core.management import call_command

from integrations.models import ReviewTicketLink
from integrations.trustpilot_webhooks import webhook_url
from reviews.models import Domain, Review, TrustpilotAccount, WebhookDelivery
from reviews.services import webhooks
from sandbox.control import control_headers
from sandbox.trustpilot import faults, writing
from sandbox.trustpilot import webhooks as sandbox_webhooks
from sandbox.trustpilot.live import live_reviews_arrive
from sandbox.trustpilot.models import BusinessUnit, WebhookSubscription
from sandbox.trustpilot.models import Review as SandboxReview
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def sent() -> bool:
    """Every webhook the sandbox queued was POSTed and answered. TrustDesk's receiver runs the task eagerly in the
    request (tests run tasks inline), so the review is stored by then; waiting so, rather than polling the
    database, keeps the test thread off SQLite while the server thread writes."""
    return sandbox_webhooks.webhooks_flush(timeout=10)


def test_a_review_written_in_the_sandbox_is_stored_and_queued_within_seconds(connected, live_server):
    instance = factories.ChannelInstanceFactory(trustpilot_account=connected.account)
    instance.domains.add(connected.domain)
    control = f"{live_server.url}/sandbox/trustpilot/_control"
    url = webhook_url(connected.account, base=live_server.url)
    subscribe = {"business_unit_id": connected.domain.business_unit_id, "urls": [url]}
    assert requests.put(f"{control}/webhooks", json=subscribe, headers=control_headers(), timeout=10).ok
    started = time.monotonic()

    written = requests.post(
        f"{control}/reviews",
        json={"business_unit_id": connected.domain.business_unit_id, "stars": 1, "title": "Never arrived"},
        headers=control_headers(),
        timeout=10,
    )

    assert written.status_code == 201
    review_id = written.json()["id"]
    assert sent()
    assert ReviewTicketLink.objects.filter(instance=instance, review__trustpilot_id=review_id).exists()
    assert time.monotonic() - started < 5
    review = Review.objects.get(trustpilot_id=review_id)
    assert (review.domain_id, review.stars, review.title) == (connected.domain.pk, 1, "Never arrived")
    delivery = WebhookDelivery.objects.get(account=connected.account)
    assert (delivery.status, delivery.stored) == (WebhookDelivery.Status.DONE, 1)
    assert Domain.objects.get(pk=connected.domain.pk).last_webhook_at is not None

    deleted = requests.delete(f"{control}/reviews/{review_id}", headers=control_headers(), timeout=10)
    assert deleted.ok
    assert sent()
    assert Review.objects.get(pk=review.pk).trustpilot_status == "removed"


def test_connect_sandbox_subscribes_the_accounts_webhook_url_and_replaces_a_rotated_one(settings):
    settings.TRUSTDESK_SANDBOX = True
    call_command("connect_sandbox")
    account = TrustpilotAccount.objects.get()
    first = webhook_url(account)

    webhooks.webhook_secret_rotate(account=account)
    call_command("connect_sandbox")  # already connected: the subscriptions are brought up to date

    urls = set(WebhookSubscription.objects.values_list("url", flat=True))
    assert urls == {webhook_url(account)} != {first}
    assert WebhookSubscription.objects.count() == account.domains.count() == 3
    assert sandbox_webhooks.webhooks_flush()


@pytest.mark.parametrize(
    "switches",
    [
        {},
        {"webhook_batches": False},
        {"webhook_deleted_id_only": True},
        {"webhook_consumer_display_name": True},
    ],
    ids=["documented", "one-event-per-post", "deleted-with-id-only", "consumer-displayName"],
)
def test_the_loop_works_under_every_variant_of_the_webhooks(connected, live_server, switches):
    """Live arrivals (several at once), then a deletion, under each variant of docs/trustpilot.md §4.7."""
    faults.faults_set(**switches)
    unit = BusinessUnit.objects.get(pk=connected.domain.business_unit_id)
    sandbox_webhooks.subscriptions_set(unit, [webhook_url(connected.account, base=live_server.url)])
    newest = SandboxReview.objects.filter(business_unit=unit).order_by("-created_at").first().created_at

    arrived = live_reviews_arrive(unit, every_seconds=60, now=newest + timedelta(minutes=3, seconds=1))
    ids = list(SandboxReview.objects.filter(business_unit=unit, created_at__gt=newest).values_list("pk", flat=True))

    assert arrived == len(ids) == 3
    assert sent()
    assert Review.objects.filter(trustpilot_id__in=ids).count() == 3
    writing.review_delete(SandboxReview.objects.get(pk=ids[0]))
    assert sent()
    assert Review.objects.get(trustpilot_id=ids[0]).trustpilot_status == "removed"
    posts = WebhookDelivery.objects.filter(account=connected.account).count()
    assert posts == (4 if switches.get("webhook_batches") is False else 2)
