"""The whole loop `make run` shows, in a real browser: a review on the Trustpilot sandbox becomes a ticket in the
Zendesk sandbox's agent view, an agent types a reply and sends it, and the reply shows on the review's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.tasks import poll_due_domains
from sandbox.trustpilot import seed
from sandbox.trustpilot.models import BusinessUnit
from sandbox.trustpilot.models import Review as SandboxReview
from sandbox.zendesk.connect import zendesk_sandbox_connect
from tests.browser.page import Page

pytestmark = pytest.mark.browser

# Adding the account runs TrustDesk's setup and a first pull inside one click: more than a page load.
SETUP_TIMEOUT = 60.0
REPLY = "We are sorry, Sam: a new teapot is on its way."


@pytest.fixture
def acme(live_sandbox, live_zendesk, live_server, settings) -> str:
    """The agent view of the Zendesk sandbox's acme, playing Zendesk against the live server, as `make run` sets it
    up for demo: TrustDesk's public URL, return_url hosts and review links, and its Zendesk account."""
    settings.TRUSTDESK_PUBLIC_URL = live_server.url
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.localhost"]
    settings.TRUSTPILOT_REVIEW_URL = f"{live_sandbox}/reviews/{{review_id}}"
    seed.demo_seed(reviews_per_unit=3)
    zendesk_sandbox_connect(subdomain=live_zendesk.subdomain)
    return reverse("zendesk_sandbox:agent:tickets", kwargs={"subdomain": live_zendesk.subdomain})


def test_a_review_becomes_a_ticket_and_the_agents_reply_shows_on_the_trustpilot_review_page(page: Page, acme: str):
    page.go(acme)
    page.wait_for("p", text="No account is added under TrustDesk's channel yet")
    page.select("select[name=days]", "30")
    page.click("#add-account", text="Add account")
    page.wait_for(".messages .success", text="under TrustDesk's channel", timeout=SETUP_TIMEOUT)

    unit = BusinessUnit.objects.get(identifying_name="shop.example")
    review = SandboxReview.objects.create(
        business_unit=unit, stars=1, title="The blue teapot leaks", text="It leaked on the first day.",
        consumer_name="Sam Reviewer", created_at=timezone.now() - timedelta(minutes=3),
    )  # fmt: skip
    poll_due_domains.delay()  # what the worker's beat does every minute under `make run`
    page.click("#pull", text="Pull now")
    page.wait_for(".messages .success", text="1 new ticket(s)", timeout=SETUP_TIMEOUT)
    page.wait_for("tr.ticket", text="Sam Reviewer")

    page.click("tr.ticket a", text="The blue teapot leaks")
    page.wait_for("#thread .comment", text="It leaked on the first day.")
    page.fill("textarea[name=body]", REPLY)
    page.click("#send", text="Send")
    page.wait_for(".messages .success", text=f"TrustDesk's external_id for the reply: tp-reply-{review.id}-")
    page.wait_for("#thread .comment .outcome.sent", text="Sent to TrustDesk")

    page.click("#review-link")
    page.wait_for("h2", text="Reply from")
    page.wait_for("p", text=REPLY)
    assert page.driver.current_url == f"{page.base_url}/sandbox/trustpilot/reviews/{review.id}"
    review.refresh_from_db()
    assert review.reply_text == REPLY
    assert page.console_errors() == []
