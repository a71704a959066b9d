"""Database rules that keep ticket data consistent whatever writes it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from integrations.models import ReviewTicketLink
from reviews.models import Review
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_review_is_stored_once_per_trustpilot_id():
    review = factories.ReviewFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ReviewFactory(trustpilot_id=review.trustpilot_id)


@pytest.mark.parametrize("stars", [0, 6])
def test_stars_outside_one_to_five_are_refused_by_the_database(stars):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ReviewFactory(stars=stars)


def test_a_zendesk_request_id_names_one_reply_only():
    reply = factories.ReplyFactory(zendesk_request_id="zd-req-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ReplyFactory(review=reply.review, zendesk_request_id="zd-req-1")


def test_replies_seen_on_trustpilot_need_no_request_id():
    review = factories.ReviewFactory()

    factories.ReplyFactory(review=review, zendesk_request_id=None, origin="trustpilot")
    factories.ReplyFactory(review=review, zendesk_request_id=None, origin="trustpilot")

    assert review.replies.count() == 2


def test_an_external_id_is_unique_per_instance_but_may_repeat_across_instances():
    link = factories.ReviewTicketLinkFactory()
    factories.ReviewTicketLinkFactory(review=link.review, external_id=link.external_id)

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ReviewTicketLinkFactory(instance=link.instance, review=link.review, external_id=link.external_id)

    assert ReviewTicketLink.objects.filter(external_id=link.external_id).count() == 2


def test_reviews_replies_and_links_outlive_an_attempt_to_delete_what_they_belong_to():
    link = factories.ReviewTicketLinkFactory()
    factories.ReplyFactory(review=link.review)

    with pytest.raises(ProtectedError):
        link.review.domain.delete()
    with pytest.raises(ProtectedError):
        link.instance.delete()
    with pytest.raises(ProtectedError):
        link.review.delete()

    assert Review.objects.filter(pk=link.review.pk).exists()


def test_deleting_a_trustpilot_account_keeps_its_domains_and_reviews():
    review = factories.ReviewFactory()
    account = review.domain.account

    account.delete()

    review.refresh_from_db()
    assert review.domain.account is None
