"""Disconnecting in the admin, then adding the account again in Zendesk: the kept reviews are reused and no
review Zendesk already has becomes a second ticket. Zendesk is played by the simulator over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.app_address import manifest_url_for
from integrations.models import ChannelInstance, ReviewTicketLink
from reviews.models import Review, TrustpilotAccount
from reviews.tasks import poll_due_domains
from sandbox.simulator import Simulation
from sandbox.trustpilot import seed
from sandbox.trustpilot.models import BusinessUnit
from sandbox.trustpilot.models import Review as SandboxReview

pytestmark = pytest.mark.django_db(transaction=True)


def acme_zendesk(live_server, **changes) -> Simulation:
    """Zendesk's account acme, with the app TrustDesk built for it, playing against the live server."""
    url = live_server.url
    return Simulation(
        url=url, manifest_url=manifest_url_for("acme", base=url), subdomain="acme", sync_days=365,
        say=lambda _: None, **changes,
    )  # fmt: skip


def test_reconnecting_after_a_disconnect_reuses_the_reviews_and_makes_no_duplicate_ticket(
    live_sandbox, live_server, settings, superuser
):
    settings.TRUSTDESK_PUBLIC_URL = live_server.url
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.localhost"]
    settings.TRUSTPILOT_FIRST_POLL_DAYS = 365
    # Two 365-day syncs of three domains within seconds take more than the backfills' share of the default budget,
    # and eager tasks would wait it out inside the requests; the budget is not what this test is about.
    settings.TRUSTPILOT_RATE_LIMIT_5MIN = settings.TRUSTPILOT_RATE_LIMIT_HOUR = 1_000_000
    seed.demo_seed(reviews_per_unit=15)
    first_tickets = acme_zendesk(live_server).run()
    first = ChannelInstance.objects.get(zendesk_account__subdomain="acme")
    account = first.trustpilot_account
    delivered = set(
        ReviewTicketLink.objects.filter(instance=first, kind="review").values_list("external_id", flat=True)
    )
    reviews_before = set(Review.objects.values_list("pk", flat=True))

    admin = Client()
    admin.force_login(superuser)
    answer = admin.post(reverse("admin:integrations_channelinstance_disconnect", args=[first.pk]), {"post": "yes"})
    assert answer.status_code == 302
    first.refresh_from_db()
    assert first.status == ChannelInstance.Status.DISCONNECTED
    assert TrustpilotAccount.objects.get(pk=account.pk).status == TrustpilotAccount.Status.DISCONNECTED

    unit = BusinessUnit.objects.get(identifying_name="shop.example")
    newcomer = SandboxReview.objects.create(
        business_unit=unit, stars=2, title="Late parcel", consumer_name="New Reviewer",
        created_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    zendesk_again = acme_zendesk(live_server, wait=0)
    zendesk_again.fetch_manifest()
    zendesk_again.add_account()
    poll_due_domains.delay()
    zendesk_again.pull_until_empty()

    second = ChannelInstance.objects.exclude(pk=first.pk).get(zendesk_account__subdomain="acme")
    assert second.status == ChannelInstance.Status.ACTIVE
    assert second.trustpilot_account_id == account.pk
    assert TrustpilotAccount.objects.get(pk=account.pk).status == TrustpilotAccount.Status.CONNECTED
    assert len(first_tickets) == len(delivered) > 0
    assert reviews_before <= set(Review.objects.values_list("pk", flat=True))
    queued_again = set(ReviewTicketLink.objects.filter(instance=second).values_list("external_id", flat=True))
    assert not queued_again & delivered
    assert [review.trustpilot_id for review in Review.objects.filter(ticket_links__instance=second)] == [newcomer.id]
    assert list(zendesk_again.tickets) == [f"tp-thread-{newcomer.id}"]
