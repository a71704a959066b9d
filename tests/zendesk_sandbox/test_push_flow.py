"""Push end to end over real HTTP: the agent view adds an account with push configured (Zendesk issues a push token
in the admin_ui POST), TrustDesk pushes its new reviews, and they are tickets in the Zendesk sandbox's ticket API
before any pull; a rate-limited push is retried, and what push could not deliver is left to pull, none lost."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
import requests
from celery.exceptions import Retry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.tasks import PUSH_RETRIES, push_instance
from integrations.zendesk.errors import Unavailable
from reviews.tasks import poll_due_domains
from sandbox.control import control_headers
from sandbox.trustpilot import seed
from sandbox.trustpilot.models import BusinessUnit
from sandbox.trustpilot.models import Review as SandboxReview
from sandbox.zendesk import push
from sandbox.zendesk.agent.models import ChannelAccount, ChannelTicket
from sandbox.zendesk.connect import zendesk_sandbox_connect
from sandbox.zendesk.models import SandboxPushToken
from tests.zendesk_sandbox.helpers import TIMEOUT, control, get

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pushing(live_sandbox, live_zendesk, live_server, settings, monkeypatch):
    monkeypatch.setattr(push, "REPORT_IN_THREAD", False)
    settings.TRUSTDESK_PUBLIC_URL = live_server.url
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.localhost"]
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk_sandbox_push"
    seed.demo_seed(reviews_per_unit=2)
    zendesk_sandbox_connect(subdomain=live_zendesk.subdomain)
    yield live_zendesk
    push.reports_wait()


def add_account(client: Client):
    url = reverse("zendesk_sandbox:agent:account-add", kwargs={"subdomain": "acme"})
    return client.post(url, {"email": "", "password": "", "days": 30}, follow=True)


def pulled_now(client: Client):
    return client.post(reverse("zendesk_sandbox:agent:pull", kwargs={"subdomain": "acme"}), follow=True)


def new_review(title: str) -> SandboxReview:
    unit = BusinessUnit.objects.get(identifying_name="shop.example")
    return SandboxReview.objects.create(
        business_unit=unit, stars=2, title=title, text="Nobody answers.", consumer_name="Robin Reviewer",
        created_at=timezone.now() - timedelta(minutes=1),
    )  # fmt: skip


def api_tickets(zendesk) -> dict[str, dict]:
    answer = get(zendesk, "/api/v2/tickets.json")
    assert answer.status_code == 200
    return {ticket["subject"]: ticket for ticket in answer.json()["tickets"]}


def faults_of(zendesk) -> dict:
    return requests.get(f"{zendesk.base_url}/_control/faults", headers=control_headers(), timeout=TIMEOUT).json()


def pushes(zendesk) -> list[dict]:
    answer = requests.get(f"{zendesk.base_url}/_control/pushes", headers=control_headers(), timeout=TIMEOUT)
    return answer.json()["pushes"]


def test_an_account_added_with_push_gets_a_token_and_new_reviews_arrive_by_push_before_any_pull(pushing):
    client = Client()
    add_account(client)
    instance = ChannelInstance.objects.get(zendesk_account__subdomain="acme")
    token = SandboxPushToken.objects.get(instance_push_id=instance.instance_push_id)
    assert instance.push_token is not None and token.channel == ChannelAccount.objects.get()
    assert token.channel.metadata and token.channel.name == instance.name  # completed after the first pushes
    before = set(api_tickets(pushing))

    review = new_review("Pushed within seconds")
    poll_due_domains.delay()  # with webhooks the same ingest runs as soon as one arrives

    tickets = api_tickets(pushing)
    assert set(tickets) - before == {"Pushed within seconds"}
    link = ReviewTicketLink.objects.get(review__trustpilot_id=review.id, kind="review")
    assert link.pushed_at is not None
    assert (
        ChannelTicket.objects.get(thread_id=f"tp-thread-{review.id}").ticket.zendesk_id
        == (tickets["Pushed within seconds"]["id"])
    )
    assert any(r["external_resource_id"] == link.external_id for p in pushes(pushing) for r in p["results"])
    push.reports_wait()
    link.refresh_from_db()
    assert link.zendesk_ticket_id == tickets["Pushed within seconds"]["id"]  # the event callback told TrustDesk
    assert "nothing new from TrustDesk yet" in pulled_now(client).content.decode()


def test_a_rate_limited_push_is_retried_later_and_the_review_arrives_once(pushing):
    client = Client()
    add_account(client)
    recorded = len(pushes(pushing))
    control(pushing, "fail_next", {"status": 429, "count": 1, "retry_after": 0})

    review = new_review("Rate limited once")
    poll_due_domains.delay()  # the push answers 429: the task is scheduled again after Retry-After

    link = ReviewTicketLink.objects.get(review__trustpilot_id=review.id, kind="review")
    assert link.pushed_at is None and link.push_error == ""  # still queued for push, and for pull meanwhile
    assert len(pushes(pushing)) == recorded  # the 429 was answered before the push was read
    push_instance.apply(args=[link.instance_id])  # the retry, as the worker runs it once the countdown is over

    link.refresh_from_db()
    assert link.pushed_at is not None
    assert list(api_tickets(pushing)).count("Rate limited once") == 1
    assert "nothing new from TrustDesk yet" in pulled_now(client).content.decode()


def test_when_every_push_fails_the_resources_are_left_to_pull_and_none_is_lost(pushing):
    client = Client()
    add_account(client)
    control(pushing, "fail_next", {"status": 503, "count": PUSH_RETRIES + 1, "retry_after": 0})

    review = new_review("Delivered by pull")
    poll_due_domains.delay()
    link = ReviewTicketLink.objects.get(review__trustpilot_id=review.id, kind="review")
    for retry in range(1, PUSH_RETRIES + 1):  # the worker's retries, each answered 503 too
        with contextlib.suppress(Retry, Unavailable):  # scheduled again, then given up after the last
            push_instance.apply(args=[link.instance_id], retries=retry)

    assert faults_of(pushing)["fail_next"] == 0
    assert link.pushed_at is None
    assert "Delivered by pull" not in api_tickets(pushing)
    pulled_now(client)
    assert list(api_tickets(pushing)).count("Delivered by pull") == 1
    link.refresh_from_db()
    assert link.first_delivered_at is not None
