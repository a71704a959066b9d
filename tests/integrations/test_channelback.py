"""channelback: an agent's reply is stored, published on Trustpilot once, and never comes back as a comment."""

from __future__ import annotations

import pytest

from integrations.metadata import metadata_for
from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.services.disconnect import instance_disconnect
from reviews.models import Reply, Review, SyncRun, TrustpilotAccount
from reviews.services import sync
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import Review as SandboxReview
from tests import factories
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def review(connected, channel) -> Review:
    sync.domain_poll(domain=connected.domain, client=connected.client)
    Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata})
    return ReviewTicketLink.objects.filter(instance=channel.instance).first().review


def channelback(channel, review, *, address=None, **form):
    """A channelback of the channel's Zendesk, at its account's app address unless `address` is another."""
    data = {
        "metadata": channel.metadata,
        "message": "Thank you for your feedback!",
        "parent_id": f"tp-review-{review.trustpilot_id}",
        "thread_id": f"tp-thread-{review.trustpilot_id}",
        "recipient_id": f"tp-consumer-{review.reviewer_id}",
        "request_unique_identifier": "zd-req-1",
        **form,
    }
    posted = {key: value for key, value in data.items() if value is not None}
    return Client().post(address or keyed("channelback", channel.instance), posted)


def test_a_reply_is_published_on_trustpilot_and_answered_with_its_external_id(channel, review):
    response = channelback(channel, review)

    assert response.status_code == 200
    body = response.json()
    validate("channelback_payload_v2.json", body)
    reply = Reply.objects.get(zendesk_request_id="zd-req-1")
    assert body == {"external_id": f"tp-reply-{review.trustpilot_id}-{reply.pk}", "allow_channelback": True}
    assert reply.status == Reply.Status.SENT
    assert SandboxReview.objects.get(pk=review.trustpilot_id).reply_text == "Thank you for your feedback!"
    link = ReviewTicketLink.objects.get(instance=channel.instance, external_id=body["external_id"])
    assert (link.kind, link.sequence) == (ReviewTicketLink.Kind.REPLY, None)


def test_the_same_request_again_returns_the_same_external_id_without_posting_twice(channel, review):
    first = channelback(channel, review).json()
    faults.faults_set(fail_next=5, fail_status=500)  # a second post would fail

    again = channelback(channel, review)

    assert again.status_code == 200
    assert again.json() == first
    assert Reply.objects.filter(origin=Reply.Origin.ZENDESK).count() == 1


def test_our_reply_never_comes_back_as_a_comment_on_the_next_pull(connected, channel, review):
    channelback(channel, review)
    state = str(ChannelInstance.objects.get(pk=channel.instance.pk).last_sequence)

    sync.domain_poll(domain=connected.domain, kind=SyncRun.Kind.RESCAN, client=connected.client)
    body = Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": state}).json()

    assert body["external_resources"] == []


def test_the_latest_reply_wins_on_trustpilot(channel, review):
    channelback(channel, review, message="First")
    channelback(channel, review, message="Second, better", request_unique_identifier="zd-req-2")

    assert SandboxReview.objects.get(pk=review.trustpilot_id).reply_text == "Second, better"
    statuses = dict(Reply.objects.filter(origin=Reply.Origin.ZENDESK).values_list("message", "status"))
    assert statuses == {"First": Reply.Status.SUPERSEDED, "Second, better": Reply.Status.SENT}


def test_a_reply_longer_than_trustpilot_accepts_is_refused_with_the_limit(channel, review):
    response = channelback(channel, review, message="x" * 5001)

    assert response.status_code == 400
    assert response.json() == {
        "error": "bad_request",
        "message": "The reply is 5001 characters long; Trustpilot accepts at most 5000.",
    }
    assert not Reply.objects.filter(origin=Reply.Origin.ZENDESK).exists()


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"metadata": None}, 401, "invalid_metadata"),
        ({"metadata": "forged"}, 401, "invalid_metadata"),
        ({"parent_id": "", "thread_id": ""}, 400, "bad_request"),
        ({"parent_id": "tp-review-000000000000000000000000", "thread_id": ""}, 404, "not_found"),
        ({"message": ""}, 400, "bad_request"),
        ({"request_unique_identifier": "r" * 256}, 400, "bad_request"),
    ],
)
def test_bad_channelbacks_get_a_json_error_and_post_nothing(channel, review, form, status, error):
    response = channelback(channel, review, **form)

    assert response.status_code == status
    assert response.json()["error"] == error
    assert not Reply.objects.filter(origin=Reply.Origin.ZENDESK).exists()


def test_metadata_of_another_instance_cannot_reply_to_this_ones_reviews(channel, review):
    stranger = factories.ChannelInstanceFactory()

    # The stranger's Zendesk, at its own account's app address, naming this channel's review.
    response = channelback(channel, review, metadata=metadata_for(stranger), address=keyed("channelback", stranger))

    assert response.status_code == 404
    assert not Reply.objects.filter(origin=Reply.Origin.ZENDESK).exists()


# --- An instance that is not active publishes nothing ----------------------------------------


def assert_refused_and_nothing_published(response, review, posted_replies, *, reason: str) -> None:
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "instance_not_active"
    assert reason in body["message"]
    assert not Reply.objects.filter(origin=Reply.Origin.ZENDESK).exists()
    assert not ReviewTicketLink.objects.filter(kind=ReviewTicketLink.Kind.REPLY).exists()
    assert posted_replies == []
    assert SandboxReview.objects.get(pk=review.trustpilot_id).reply_text == ""


def test_metadata_kept_from_before_a_disconnect_publishes_nothing_after_the_reconnect(
    channel, review, disconnect_and_reconnect, posted_replies
):
    fresh = disconnect_and_reconnect(channel)

    response = channelback(channel, review)

    assert_refused_and_nothing_published(response, review, posted_replies, reason="disconnected since")
    answered = channelback(channel, review, metadata=fresh)
    assert answered.status_code == 200
    validate("channelback_payload_v2.json", answered.json())
    assert posted_replies == [review.trustpilot_id]
    assert Reply.objects.get(zendesk_request_id="zd-req-1").status == Reply.Status.SENT


def test_a_disconnected_instance_publishes_nothing_even_with_its_current_metadata(channel, review, posted_replies):
    instance_disconnect(instance=channel.instance, by="admin@trustdesk.test")
    current = metadata_for(ChannelInstance.objects.get(pk=channel.instance.pk))

    response = channelback(channel, review, metadata=current)

    assert_refused_and_nothing_published(response, review, posted_replies, reason="is disconnected")


def test_a_deactivated_instance_publishes_nothing(channel, review, posted_replies):
    ChannelInstance.objects.filter(pk=channel.instance.pk).update(status=ChannelInstance.Status.DEACTIVATED)

    response = channelback(channel, review)

    assert_refused_and_nothing_published(response, review, posted_replies, reason="deactivated")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": TrustpilotAccount.Status.NEEDS_REAUTHORIZATION}, "needs re-authorization"),
        ({"status": TrustpilotAccount.Status.DISCONNECTED}, "is disconnected"),
    ],
)
def test_an_instance_whose_trustpilot_account_cannot_publish_stores_nothing(
    connected, channel, review, posted_replies, change, reason
):
    TrustpilotAccount.objects.filter(pk=connected.account.pk).update(**change)

    response = channelback(channel, review)

    assert_refused_and_nothing_published(response, review, posted_replies, reason=reason)


def test_an_instance_without_a_trustpilot_account_stores_nothing(channel, review, posted_replies):
    ChannelInstance.objects.filter(pk=channel.instance.pk).update(trustpilot_account=None)

    response = channelback(channel, review)

    assert_refused_and_nothing_published(response, review, posted_replies, reason="no Trustpilot account")
