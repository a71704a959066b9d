"""The opt-in check of a channelback's author against the Zendesk account's allowed roles and groups."""

from __future__ import annotations

import pytest
import responses

from integrations.models import AccessRestriction, ReviewTicketLink
from reviews.models import Reply, Review
from reviews.services import sync
from sandbox.trustpilot.models import Review as SandboxReview
from tests.fixtures import load_fixture
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed

pytestmark = pytest.mark.django_db(transaction=True)
ZENDESK = "https://acme.zendesk.com/api/v2"
MESSAGE = "Thank you for your feedback!"


@pytest.fixture
def review(connected, channel, settings) -> Review:
    settings.ZENDESK_ENFORCE_ACCESS_ON_CHANNELBACK = True
    sync.domain_poll(domain=connected.domain, client=connected.client)
    Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata})
    link = ReviewTicketLink.objects.filter(instance=channel.instance, kind="review").first()
    # What resources_created_from_external_ids tells TrustDesk.
    ReviewTicketLink.objects.filter(pk=link.pk).update(zendesk_ticket_id=42)
    AccessRestriction.objects.create(
        zendesk_account=channel.instance.zendesk_account,
        role_restriction_enabled=True,
        allowed_roles=[{"id": 360002, "name": "Review responder"}],
        group_restriction_enabled=True,
        allowed_groups=[{"id": 8, "name": "Reviews team"}],
    )
    return link.review


@pytest.fixture
def zendesk(live_server):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(live_server.url)  # the Trustpilot sandbox
        mock.get(f"{ZENDESK}/tickets/42/comments.json", json=load_fixture("zendesk", "ticket_comments_synthetic"))
        mock.get(f"{ZENDESK}/users/501.json", json=load_fixture("zendesk", "user_synthetic"))
        mock.get(
            f"{ZENDESK}/users/501/group_memberships.json", json=load_fixture("zendesk", "group_memberships_synthetic")
        )
        yield mock


def channelback(channel, review, message=MESSAGE):
    return Client().post(
        keyed("channelback", channel.metadata),
        {
            "metadata": channel.metadata,
            "message": message,
            "parent_id": f"tp-review-{review.trustpilot_id}",
            "thread_id": f"tp-thread-{review.trustpilot_id}",
            "recipient_id": f"tp-consumer-{review.reviewer_id}",
            "request_unique_identifier": "zd-req-1",
        },
    )


def zendesk_calls(mock) -> list[str]:
    return [call.request.url for call in mock.calls if "zendesk.com" in call.request.url]


def test_an_agent_with_an_allowed_role_and_group_is_published(channel, review, zendesk):
    response = channelback(channel, review)

    assert response.status_code == 200
    assert Reply.objects.get(zendesk_request_id="zd-req-1").status == Reply.Status.SENT
    assert SandboxReview.objects.get(pk=review.trustpilot_id).reply_text == MESSAGE
    assert len(zendesk_calls(zendesk)) == 3


def test_an_agent_outside_the_allowed_roles_is_refused_and_nothing_is_published(channel, review, zendesk):
    user = load_fixture("zendesk", "user_synthetic")
    user["user"]["custom_role_id"] = 360003
    zendesk.replace(responses.GET, f"{ZENDESK}/users/501.json", json=user)

    response = channelback(channel, review)

    assert response.status_code == 403
    assert response.json()["error"] == "agent_not_allowed"
    assert response.json()["message"] == (
        "Riley Reviewer may not reply to Trustpilot reviews: allowed roles: Review responder; "
        "allowed groups: Reviews team. Ask an admin to change the access in TrustDesk."
    )
    assert not Reply.objects.filter(review=review).exists()
    assert SandboxReview.objects.get(pk=review.trustpilot_id).reply_text == ""


def test_an_agent_with_the_role_but_outside_the_groups_is_refused(channel, review, zendesk):
    memberships = load_fixture("zendesk", "group_memberships_synthetic")
    memberships["group_memberships"][0]["group_id"] = 9
    zendesk.replace(responses.GET, f"{ZENDESK}/users/501/group_memberships.json", json=memberships)

    assert channelback(channel, review).status_code == 403
    assert not Reply.objects.filter(review=review).exists()


def test_a_reply_not_found_among_the_tickets_comments_is_refused(channel, review, zendesk):
    response = channelback(channel, review, message="Something nobody wrote in Zendesk")

    assert response.status_code == 403
    assert "no public comment on ticket 42 matching this reply" in response.json()["message"]


def test_a_ticket_zendesk_has_not_reported_yet_is_refused_until_it_is(channel, review, zendesk):
    ReviewTicketLink.objects.filter(review=review).update(zendesk_ticket_id=None)

    response = channelback(channel, review)

    assert response.status_code == 403
    assert "has not reported this review's ticket yet" in response.json()["message"]
    assert zendesk_calls(zendesk) == []


def test_zendesk_down_answers_503_so_zendesk_tries_again_and_nothing_is_published(channel, review, zendesk):
    zendesk.replace(responses.GET, f"{ZENDESK}/tickets/42/comments.json", status=503, json={"error": "Unavailable"})

    response = channelback(channel, review)

    assert response.status_code == 503
    assert "Zendesk is unavailable" in response.json()["message"]
    assert not Reply.objects.filter(review=review).exists()


def test_without_the_setting_no_author_is_looked_up(channel, review, zendesk, settings):
    settings.ZENDESK_ENFORCE_ACCESS_ON_CHANNELBACK = False

    assert channelback(channel, review).status_code == 200
    assert zendesk_calls(zendesk) == []


def test_with_no_restriction_turned_on_every_agent_may_reply(channel, review, zendesk):
    AccessRestriction.objects.update(role_restriction_enabled=False, group_restriction_enabled=False)

    assert channelback(channel, review).status_code == 200
    assert zendesk_calls(zendesk) == []
