"""Zendesk, played by the simulator, against TrustDesk and the Trustpilot sandbox, all over real HTTP."""

from __future__ import annotations

import pytest

from integrations.app_address import manifest_url_for
from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.protocol import review_resource
from reviews.models import Reply
from sandbox.simulator import Simulation, Ticket, describe
from sandbox.trustpilot import seed
from sandbox.trustpilot.models import Review as SandboxReview

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_adds_an_account_reviews_become_tickets_and_an_agent_replies(live_sandbox, live_server, settings):
    settings.TRUSTDESK_PUBLIC_URL = live_server.url
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.localhost"]
    seed.demo_seed(reviews_per_unit=15)
    said: list[str] = []

    tickets = Simulation(
        url=live_server.url,
        manifest_url=manifest_url_for("acme", base=live_server.url),
        subdomain="acme",
        sync_days=365,
        say=said.append,
    ).run()

    instance = ChannelInstance.objects.get(zendesk_account__subdomain="acme")
    assert instance.status == ChannelInstance.Status.ACTIVE
    unanswered = SandboxReview.objects.filter(
        reply_text="", business_unit__in=instance.domains.values("business_unit_id")
    )
    assert len(tickets) == ReviewTicketLink.objects.filter(instance=instance, kind="review").count() > 0
    assert not ReviewTicketLink.objects.filter(
        instance=instance, kind="review", zendesk_ticket_id__isnull=True
    ).exists()
    reply = Reply.objects.get(origin=Reply.Origin.ZENDESK)
    assert reply.status == Reply.Status.SENT
    assert SandboxReview.objects.get(pk=reply.review.trustpilot_id).reply_text == reply.message
    assert any("Replied on ticket" in line for line in said)
    assert unanswered.count() == len(tickets) - 1  # every unanswered review became a ticket; one is answered now
    assert describe(tickets) == described(tickets, instance, reply)


def described(tickets: dict[str, Ticket], instance: ChannelInstance, reply: Reply) -> list[str]:
    """What the simulator should say it made: each review on the ticket its link names, under its title and
    by its reviewer, and the agent's reply on the first ticket."""
    lines = []
    for position, ticket in enumerate(tickets.values()):
        review = ReviewTicketLink.objects.get(
            instance=instance, kind="review", zendesk_ticket_id=ticket.ticket_id
        ).review
        message = review_resource(review, instance.zendesk_account)["message"].replace("\n", " ")
        lines += [f"#{ticket.ticket_id} {review.title}", f"    {review.reviewer_name}: {message[:100]}"]
        if position == 0:
            lines.append(f"    agent: {reply.message}")
    return lines
