"""Storing pages of reviews: new, edited, answered directly on Trustpilot, and never twice."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviews.models import Reply, Review, ReviewEdit
from reviews.services.ingest import reviews_upsert
from reviews.trustpilot.parsing import parse_review
from tests import factories

pytestmark = pytest.mark.django_db


def review_json(number: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": f"{number:024x}",
        "stars": 4,
        "title": f"Review {number}",
        "text": "Fast delivery.",
        "language": "en",
        "createdAt": f"2026-11-01T10:{number % 60:02d}:00.000Z",
        "updatedAt": None,
        "consumer": {"id": f"c{number:023x}", "displayName": f"Reviewer {number}"},
        "businessUnit": {"id": "b" * 24, "identifyingName": "shop.example"},
        "referenceId": None,
        "referralEmail": None,
        "isVerified": False,
        "companyReply": None,
    }
    data.update(changes)
    return data


def upsert(domain, *items: dict[str, Any]):
    return reviews_upsert(domain=domain, reviews=[parse_review(item) for item in items])


@pytest.fixture
def domain():
    return factories.DomainFactory(name="shop.example")


def test_new_reviews_are_stored_with_every_field(domain):
    result = upsert(
        domain,
        review_json(
            1,
            stars=2,
            title="Colis abîmé 📦",
            text="<script>alert(1)</script> Très déçu, ø",
            language="fr",
            referenceId="order-42",
            referralEmail="marie@example.fr",
            isVerified=True,
        ),
        review_json(2),
    )

    assert (result.seen, result.new, result.edited, result.replies_mirrored) == (2, 2, 0, 0)
    review = Review.objects.get(trustpilot_id=f"{1:024x}")
    assert review.domain == domain
    assert (review.stars, review.title, review.language) == (2, "Colis abîmé 📦", "fr")
    assert review.text == "<script>alert(1)</script> Très déçu, ø"
    assert (review.reference_id, review.reviewer_email, review.is_verified) == ("order-42", "marie@example.fr", True)
    assert review.reviewer_name == "Reviewer 1"
    assert review.created_at_trustpilot.isoformat() == "2026-11-01T10:01:00+00:00"
    assert review.raw["referenceId"] == "order-42"


def test_a_review_seen_again_is_not_stored_twice(domain):
    upsert(domain, review_json(1), review_json(2))

    result = upsert(domain, review_json(2), review_json(3), review_json(3))

    assert (result.seen, result.new) == (2, 1)
    assert Review.objects.count() == 3


def test_an_edit_of_stars_title_or_text_is_recorded_for_zendesk(domain):
    upsert(domain, review_json(1, stars=1, text="Terrible"))

    result = upsert(domain, review_json(1, stars=4, text="They fixed it, thanks", updatedAt="2026-11-03T09:00:00Z"))

    assert result.edited == 1
    edit = ReviewEdit.objects.get()
    assert (edit.stars_before, edit.stars, edit.text_before, edit.text) == (1, 4, "Terrible", "They fixed it, thanks")
    assert edit.edited_at.isoformat() == "2026-11-03T09:00:00+00:00"
    assert Review.objects.get().stars == 4


def test_an_unchanged_review_is_not_rewritten_and_makes_no_edit(domain):
    upsert(domain, review_json(1))
    before = Review.objects.get().updated_at

    result = upsert(domain, review_json(1))

    assert (result.new, result.edited) == (0, 0)
    assert Review.objects.get().updated_at == before
    assert not ReviewEdit.objects.exists()


def test_a_reply_written_on_trustpilot_is_mirrored_and_supersedes_the_earlier_one(domain):
    upsert(domain, review_json(1))
    review = Review.objects.get()
    ours = factories.ReplyFactory(review=review, message="Our answer", status=Reply.Status.SENT)

    reply = {"text": "Answered in Trustpilot Business", "createdAt": "2026-11-02T08:00:00", "updatedAt": None}
    result = upsert(domain, review_json(1, companyReply=reply))

    assert result.replies_mirrored == 1
    mirrored = Reply.objects.get(origin=Reply.Origin.TRUSTPILOT)
    assert (mirrored.message, mirrored.status) == ("Answered in Trustpilot Business", Reply.Status.SENT)
    assert mirrored.sent_at.isoformat() == "2026-11-02T08:00:00+00:00"
    ours.refresh_from_db()
    assert ours.status == Reply.Status.SUPERSEDED
    assert Review.objects.get().company_reply_text == "Answered in Trustpilot Business"


def test_our_own_reply_read_back_from_trustpilot_is_not_mirrored(domain):
    upsert(domain, review_json(1))
    factories.ReplyFactory(review=Review.objects.get(), message="Thank you!", status=Reply.Status.SENT)

    result = upsert(domain, review_json(1, companyReply={"text": "Thank you!", "createdAt": "2026-11-02T08:00:00"}))

    assert result.replies_mirrored == 0
    assert Reply.objects.count() == 1


def test_a_new_review_that_already_has_a_reply_brings_the_reply_along(domain):
    result = upsert(domain, review_json(1, companyReply={"text": "Merci !", "createdAt": "2026-11-02T08:00:00Z"}))

    assert (result.new, result.replies_mirrored) == (1, 1)
    assert Reply.objects.get().origin == Reply.Origin.TRUSTPILOT


def test_a_page_costs_the_same_queries_however_much_is_stored(domain):
    def queries_for(numbers: range) -> int:
        with CaptureQueriesContext(connection) as captured:
            upsert(domain, *(review_json(n, companyReply={"text": f"r{n}"} if n % 3 == 0 else None) for n in numbers))
        return len(captured)

    first = queries_for(range(1000, 1100))
    for start in range(2000, 4000, 100):
        queries_for(range(start, start + 100))
    later = queries_for(range(5000, 5100))

    assert first == later
    assert queries_for(range(6000, 6010)) <= first


def test_a_reviewer_zendesk_asked_to_forget_stays_forgotten_when_read_again(domain):
    upsert(domain, review_json(1, referenceId="order-9", referralEmail="anna@example.com"))
    Review.objects.update(
        reviewer_name="", reviewer_email="", reference_id="", raw={}, personal_data_purged_at=timezone.now()
    )

    upsert(domain, review_json(1, referenceId="order-9", referralEmail="anna@example.com", stars=2))

    review = Review.objects.get()
    assert (review.reviewer_name, review.reviewer_email, review.reference_id) == ("", "", "")
    assert review.raw["referralEmail"] == "" and review.raw["consumer"]["displayName"] == ""
    assert review.stars == 2
