"""One review, and the company reply: post (latest wins), validation, delete."""

from __future__ import annotations

import pytest

from sandbox.trustpilot.models import Review
from tests.sandbox import factories
from tests.sandbox.helpers import review_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(unit):
    return factories.ReviewFactory(business_unit=unit)


def reply(api, review, body, content_type="application/json"):
    return api.post(review_url(review.id) + "/reply", body, content_type=content_type)


def test_one_review_is_served_by_id(api, review):
    response = api.get(review_url(review.id))

    assert response.status_code == 200
    assert response.json()["id"] == review.id
    assert response.json()["businessUnit"]["identifyingName"] == "shop.example"


def test_an_unknown_review_is_404(api, demo):
    response = api.get(review_url("0" * 24))

    assert response.status_code == 404
    assert response.json()["message"] == "Review not found"


def test_a_reply_becomes_the_company_reply(api, review, demo):
    response = reply(api, review, {"message": "Thank you, Zoë! <3"})

    assert response.status_code == 201
    assert response.json() == {}
    company_reply = api.get(review_url(review.id)).json()["companyReply"]
    assert company_reply["text"] == "Thank you, Zoë! <3"
    assert company_reply["authorBusinessUserId"] == demo.user.id
    assert company_reply["createdAt"] == company_reply["updatedAt"]
    stored = Review.objects.get(pk=review.pk)
    assert stored.reply_text == "Thank you, Zoë! <3"
    assert stored.reply_author == demo.user


def test_a_later_reply_replaces_the_earlier_one_and_keeps_its_creation_time(api, review):
    reply(api, review, {"message": "First"})
    first = Review.objects.get(pk=review.pk)

    response = reply(api, review, {"message": "Second"})

    assert response.status_code == 201
    stored = Review.objects.get(pk=review.pk)
    assert stored.reply_text == "Second"
    assert stored.reply_created_at == first.reply_created_at
    assert stored.reply_updated_at >= first.reply_updated_at


def test_a_reply_may_name_a_colleague_with_access_as_author(api, review, unit):
    colleague = factories.BusinessUserFactory(name="Colleague")
    unit.users.add(colleague)

    response = reply(api, review, {"message": "Hi", "authorBusinessUserId": colleague.id})

    assert response.status_code == 201
    assert api.get(review_url(review.id)).json()["companyReply"]["authorBusinessUserName"] == "Colleague"


def test_a_reply_cannot_name_an_outsider_as_author(api, review):
    outsider = factories.BusinessUserFactory()

    response = reply(api, review, {"message": "Hi", "authorBusinessUserId": outsider.id})

    assert response.status_code == 400
    assert Review.objects.get(pk=review.pk).reply_text == ""


@pytest.mark.parametrize("body", [{"message": ""}, {"message": "   "}, {}])
def test_an_empty_reply_is_a_400(api, review, body):
    response = reply(api, review, body)

    assert response.status_code == 400
    assert response.json()["errorCode"] == 1002
    assert "empty" in response.json()["message"]
    assert Review.objects.get(pk=review.pk).reply_text == ""


def test_a_reply_of_5000_characters_is_accepted(api, review):
    assert reply(api, review, {"message": "x" * 5000}).status_code == 201


def test_a_reply_over_5000_characters_is_a_400_naming_the_limit(api, review):
    response = reply(api, review, {"message": "x" * 5001})

    assert response.status_code == 400
    assert "5000" in response.json()["message"]
    assert Review.objects.get(pk=review.pk).reply_text == ""


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("message=Hello", "application/x-www-form-urlencoded"),
        ("Hello", "application/json"),
        ('"Hello"', "application/json"),
        ("[1, 2]", "application/json"),
        ('{"message": 42}', "application/json"),
    ],
)
def test_a_reply_that_is_not_a_json_object_is_malformed(api, review, body, content_type):
    response = reply(api, review, body, content_type)

    assert response.status_code == 400
    assert response.json()["errorCode"] == 1001
    assert response.json()["message"] == "The request was malformed"


def test_deleting_the_reply_clears_it(api, review):
    reply(api, review, {"message": "Oops"})

    response = api.delete(review_url(review.id) + "/reply")

    assert response.status_code == 204
    assert response.content == b""
    assert api.get(review_url(review.id)).json()["companyReply"] is None
    stored = Review.objects.get(pk=review.pk)
    assert (stored.reply_text, stored.reply_created_at, stored.reply_author) == ("", None, None)


def test_a_reply_after_a_delete_is_new_again(api, review):
    reply(api, review, {"message": "Old"})
    api.delete(review_url(review.id) + "/reply")

    reply(api, review, {"message": "New"})

    stored = Review.objects.get(pk=review.pk)
    assert stored.reply_created_at == stored.reply_updated_at
