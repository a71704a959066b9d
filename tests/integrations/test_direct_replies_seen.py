"""TrustDesk's own reply, read back from Trustpilot reformatted or cached, never becomes a "reply written on
Trustpilot" note; a reply really written there still does. Over HTTP against the Trustpilot sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from reviews.models import Reply, Review, SyncRun
from reviews.services import replies, sync
from reviews.services.reply_match import SentReply, reply_words, written_on_trustpilot
from reviews.trustpilot.types import CompanyReply
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import BusinessUser
from sandbox.trustpilot.models import Review as SandboxReview
from tests.zendesk_requests import ZendeskClient, keyed

pytestmark = pytest.mark.django_db(transaction=True)
MESSAGE = "Thank you, Anna & team!\nWe called you back.\n\nBest,  Shop"


def notes(channel) -> list[dict]:
    body = ZendeskClient().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": ""}).json()
    return [resource for resource in body["external_resources"] if resource.get("internal_note")]


@pytest.fixture
def published(connected, channel) -> Reply:
    """A reply TrustDesk published on a review whose ticket Zendesk has."""
    sync.domain_poll(domain=connected.domain, client=connected.client)
    review = Review.objects.filter(domain=connected.domain, company_reply_text="").first()
    reply, _ = replies.reply_create(review=review, message=MESSAGE, zendesk_request_id="zd-1")
    return replies.reply_publish(reply_id=reply.pk, client=connected.client)


def rescan(connected) -> None:
    sync.domain_poll(domain=connected.domain, kind=SyncRun.Kind.RESCAN, client=connected.client)


def direct_replies(review_id: int) -> list[str]:
    replies_seen = Reply.objects.filter(review_id=review_id, origin=Reply.Origin.TRUSTPILOT)
    return list(replies_seen.values_list("message", flat=True))


def test_trustdesks_reply_read_back_with_markup_and_other_whitespace_is_not_a_direct_reply(
    connected, channel, published
):
    faults.faults_set(reformat_replies=True)

    rescan(connected)

    stored = Review.objects.get(pk=published.review_id)
    assert stored.company_reply_text.startswith(" <p>Thank you, Anna &amp; team!<br />")
    assert direct_replies(published.review_id) == []
    assert notes(channel) == []


def test_trustdesks_reply_is_known_by_its_author_and_time_when_trustpilot_changed_its_words(
    connected, channel, published
):
    SandboxReview.objects.filter(pk=published.review.trustpilot_id).update(reply_text="Thank you, Anna & team! …")

    rescan(connected)

    assert direct_replies(published.review_id) == []
    assert notes(channel) == []


def test_a_cached_copy_of_the_reply_before_trustdesks_is_not_mirrored_again(connected, channel):
    sync.domain_poll(domain=connected.domain, client=connected.client)
    review = Review.objects.filter(domain=connected.domain, company_reply_text="").first()
    written = timezone.now() - timedelta(hours=1)
    SandboxReview.objects.filter(pk=review.trustpilot_id).update(
        reply_text="Written on Trustpilot.", reply_created_at=written, reply_updated_at=written
    )
    rescan(connected)
    reply, _ = replies.reply_create(review=review, message=MESSAGE, zendesk_request_id="zd-1")
    replies.reply_publish(reply_id=reply.pk, client=connected.client)
    SandboxReview.objects.filter(pk=review.trustpilot_id).update(
        reply_text="Written on Trustpilot.", reply_created_at=written, reply_updated_at=written
    )  # Trustpilot's cache, still showing the reply before

    rescan(connected)

    assert direct_replies(review.pk) == ["Written on Trustpilot."]
    assert len(notes(channel)) == 1


def test_a_reply_written_on_trustpilot_after_trustdesks_is_still_mirrored(connected, channel, published):
    colleague = BusinessUser.objects.create(name="Colleague", email="colleague@shop.example")
    SandboxReview.objects.filter(pk=published.review.trustpilot_id).update(
        reply_text="Edited in Trustpilot Business.", reply_author=colleague, reply_updated_at=timezone.now()
    )

    rescan(connected)

    assert direct_replies(published.review_id) == ["Edited in Trustpilot Business."]
    (note,) = notes(channel)
    assert "Edited in Trustpilot Business." in note["message"]
    assert Reply.objects.get(pk=published.pk).status == Reply.Status.SUPERSEDED


def test_a_retry_after_an_unknown_outcome_finds_the_reformatted_reply_and_posts_nothing(
    connected, published, posted_replies
):
    Reply.objects.filter(pk=published.pk).update(status=Reply.Status.PENDING, sent_at=None)
    faults.faults_set(reformat_replies=True)

    again = replies.reply_publish(reply_id=published.pk, client=connected.client)

    assert (again.status, again.attempts) == (Reply.Status.SENT, 2)
    assert posted_replies == []


def test_the_same_author_much_later_is_a_reply_written_on_trustpilot():
    sent_at = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
    later = CompanyReply(text="New words", created_at=None, updated_at=sent_at + timedelta(hours=2),
                         author_business_user_id="u1")  # fmt: skip
    sent = [SentReply("Old words", sent_at)]

    assert written_on_trustpilot(later, sent=sent, author_id="u1") is True
    assert written_on_trustpilot(later, sent=sent, author_id=None) is True


def test_reply_words_ignore_markup_entities_and_whitespace_but_keep_text_that_only_looks_like_markup():
    assert reply_words(" <p>Thanks &amp; bye!<br />\r\nSee  you</p>\n") == "Thanks & bye! See you"
    assert reply_words("We <3 you, a < b > c") == "We <3 you, a < b > c"
