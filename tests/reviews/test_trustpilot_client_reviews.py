"""Reading reviews and posting replies (docs/trustpilot.md §4, §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import responses
from responses import matchers

from reviews.trustpilot import errors
from reviews.trustpilot.types import CompanyReply, ReviewData, ReviewPage
from tests.fixtures import load_fixture
from tests.reviews.trustpilot_support import (
    API_KEY,
    BUSINESS_UNIT_ID,
    BUSINESS_USER_ID,
    REPLY_URL,
    REVIEW_ID,
    REVIEW_URL,
    REVIEWS_URL,
    TOKEN,
    add_fixture,
    json_of,
    make_client,
    query_of,
    sent,
)


def review_items(count: int) -> list[dict]:
    """`count` valid reviews, cycling the fixture's three with unique ids."""
    base = load_fixture("trustpilot", "private_reviews_page_synthetic.json")["reviews"]
    return [{**base[n % len(base)], "id": f"{n + 1:024x}"} for n in range(count)]


def read_page(client=None, **query):
    client = client or make_client()
    return client.review_page(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID, **query)


@responses.activate
def test_review_page_asks_for_the_oldest_first_hundred_by_default_with_bearer_and_apikey():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_synthetic.json")

    read_page()

    request = sent()
    assert request.method == "GET"
    assert request.url.split("?")[0] == REVIEWS_URL
    assert query_of(request) == {"page": "1", "perPage": "100", "orderBy": "createdat.asc"}
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["apikey"] == API_KEY
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"] == "TrustDesk"


@responses.activate
def test_review_page_sends_page_order_window_in_utc_without_zone_and_responded_false():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_synthetic.json")
    copenhagen_summer = timezone(timedelta(hours=2))

    read_page(
        page=7,
        per_page=50,
        order_by="createdat.desc",
        start=datetime(2026, 10, 1, 2, 30, 15, 999999, tzinfo=copenhagen_summer),
        end=datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
        responded=False,
    )

    assert query_of(sent()) == {
        "page": "7",
        "perPage": "50",
        "orderBy": "createdat.desc",
        "startDateTime": "2026-10-01T00:30:15",
        "endDateTime": "2026-11-01T00:00:00",
        "responded": "false",
    }


@responses.activate
def test_review_page_sends_responded_true():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_synthetic.json")

    read_page(responded=True)

    assert query_of(sent())["responded"] == "true"


@responses.activate
def test_review_page_caps_per_page_at_trustpilots_maximum_of_100():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_synthetic.json")

    page = read_page(per_page=250)

    assert query_of(sent())["perPage"] == "100"
    assert page.per_page == 100


@responses.activate
def test_review_page_returns_parsed_reviews_new_answered_and_edited():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_synthetic.json")

    page = read_page(page=2, per_page=3)

    assert isinstance(page, ReviewPage)
    assert (page.page, page.per_page, page.item_count, page.skipped) == (2, 3, 3, [])
    assert not page.is_last
    new, answered, edited = page.reviews
    assert all(isinstance(review, ReviewData) for review in page.reviews)
    assert new.id == "651e9a2f4c1d8b0012a3b4c5"
    assert new.business_unit_id == BUSINESS_UNIT_ID
    assert new.stars == 2
    assert new.language == "fr"
    assert new.created_at == datetime(2026, 11, 2, 8, 15, 30, tzinfo=UTC)
    assert new.updated_at is None
    assert (new.consumer_id, new.consumer_name) == ("5d2f8e1a7b3c4d5e6f708192", "Marie-Hélène Lefèvre")
    assert (new.reference_id, new.referral_email) == ("ORD-2026-104293", "marie-helene.lefevre@example.fr")
    assert new.is_verified is True
    assert new.company_reply is None
    assert answered.company_reply == CompanyReply(
        text="Tusind tak, Jørgen! Vi glæder os til at se dig igen.",
        created_at=datetime(2026, 10, 29, 7, 45, tzinfo=UTC),
        updated_at=None,
        author_business_user_id=BUSINESS_USER_ID,
    )
    assert answered.reference_id == ""
    assert answered.is_verified is False
    assert edited.created_at == datetime(2026, 10, 20, 9, 34, 44, tzinfo=UTC)
    assert edited.updated_at == datetime(2026, 10, 30, 12, 0, tzinfo=UTC)


@responses.activate
def test_review_page_shorter_than_per_page_is_the_last():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_synthetic.json")

    page = read_page(per_page=20)

    assert page.item_count == 3
    assert page.is_last


@responses.activate
def test_review_page_full_of_items_is_not_last_even_when_some_were_skipped():
    items = review_items(4)
    items[1] = {"stars": 5, "createdAt": "2026-11-01T00:00:00Z"}
    responses.get(REVIEWS_URL, json={"reviews": items, "links": []})

    page = read_page(per_page=4)

    assert len(page.reviews) == 3
    assert page.skipped == ["missing id"]
    assert page.item_count == 4
    assert not page.is_last


def page_matcher(number: int):
    return matchers.query_param_matcher({"page": str(number)}, strict_match=False)


@responses.activate
def test_review_pages_follows_pages_until_the_first_short_one():
    responses.get(REVIEWS_URL, json={"reviews": review_items(2)}, match=[page_matcher(3)])
    responses.get(REVIEWS_URL, json={"reviews": review_items(2)}, match=[page_matcher(4)])
    responses.get(REVIEWS_URL, json={"reviews": review_items(1)}, match=[page_matcher(5)])

    pages = list(
        make_client().review_pages(first_page=3, access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID, per_page=2)
    )

    assert [page.page for page in pages] == [3, 4, 5]
    assert [len(page.reviews) for page in pages] == [2, 2, 1]
    assert [query_of(call.request)["page"] for call in responses.calls] == ["3", "4", "5"]
    assert all(query_of(call.request)["perPage"] == "2" for call in responses.calls)


@responses.activate
def test_review_pages_stops_at_an_empty_page():
    responses.get(REVIEWS_URL, json={"reviews": review_items(2)}, match=[page_matcher(1)])
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_empty_synthetic.json", match=[page_matcher(2)])

    pages = list(make_client().review_pages(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID, per_page=2))

    assert [(page.page, page.item_count) for page in pages] == [(1, 2), (2, 0)]
    assert pages[-1].is_last
    assert len(responses.calls) == 2


@responses.activate
def test_review_pages_asks_for_the_next_page_only_when_the_caller_reads_on():
    responses.get(REVIEWS_URL, json={"reviews": review_items(2)})
    client = make_client()

    pages = client.review_pages(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID, per_page=2)
    first = next(pages)

    assert first.page == 1
    assert client.calls == 1


@responses.activate
def test_get_review_reads_one_private_review_with_its_edited_reply():
    add_fixture("GET", REVIEW_URL, "review_synthetic.json")

    review = make_client().get_review(access_token=TOKEN, review_id=REVIEW_ID)

    assert isinstance(review, ReviewData)
    assert review.id == REVIEW_ID
    assert review.updated_at == datetime(2026, 10, 28, 18, 10, tzinfo=UTC)
    assert review.referral_email == "jorgen.sorensen@example.dk"
    assert review.company_reply is not None
    assert review.company_reply.text == "Tusind tak, Jørgen! Vi glæder os til at se dig igen. 😊"
    assert review.company_reply.changed_at == datetime(2026, 10, 29, 9, 15, tzinfo=UTC)
    request = sent()
    assert request.method == "GET"
    assert request.url == REVIEW_URL
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["apikey"] == API_KEY


@responses.activate
def test_get_review_of_an_unknown_review_raises_not_found():
    responses.get(REVIEW_URL, status=404, json={"message": "Review not found", "details": "", "errorCode": 0})

    with pytest.raises(errors.NotFound, match="Review not found"):
        make_client().get_review(access_token=TOKEN, review_id=REVIEW_ID)


@responses.activate
def test_get_review_that_cannot_be_parsed_raises_unavailable():
    body = load_fixture("trustpilot", "review_synthetic.json")
    body["stars"] = "5"
    responses.get(REVIEW_URL, json=body)

    with pytest.raises(errors.Unavailable, match="stars should be 1 to 5"):
        make_client().get_review(access_token=TOKEN, review_id=REVIEW_ID)


@responses.activate
def test_post_reply_sends_json_with_the_message_and_author_and_returns_nothing():
    responses.post(REPLY_URL, status=201, body="")
    message = "Merci Marie-Hélène ! Désolés pour le colis 📦 <b>à bientôt</b>"

    result = make_client().post_reply(
        access_token=TOKEN, review_id=REVIEW_ID, message=message, author_business_user_id=BUSINESS_USER_ID
    )

    assert result is None
    request = sent()
    assert request.method == "POST"
    assert request.url == REPLY_URL
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["apikey"] == API_KEY
    assert json_of(request) == {"message": message, "authorBusinessUserId": BUSINESS_USER_ID}


@pytest.mark.parametrize("status", [200, 201, 202, 204])
@responses.activate
def test_post_reply_accepts_any_2xx(status):
    responses.post(REPLY_URL, status=status, body="")

    make_client().post_reply(
        access_token=TOKEN, review_id=REVIEW_ID, message="Thanks!", author_business_user_id=BUSINESS_USER_ID
    )

    assert len(responses.calls) == 1


@pytest.mark.parametrize("author", [None, ""])
@responses.activate
def test_post_reply_without_an_author_sends_the_message_alone(author):
    responses.post(REPLY_URL, status=201, body="")

    make_client().post_reply(access_token=TOKEN, review_id=REVIEW_ID, message="Thanks!", author_business_user_id=author)

    assert json_of(sent()) == {"message": "Thanks!"}


@responses.activate
def test_post_reply_refused_as_malformed_raises_bad_request_with_trustpilots_message():
    add_fixture("POST", REPLY_URL, "error_malformed_with_details_synthetic.json", status=400)

    with pytest.raises(errors.BadRequest) as caught:
        make_client().post_reply(
            access_token=TOKEN, review_id=REVIEW_ID, message="x" * 5001, author_business_user_id=BUSINESS_USER_ID
        )

    assert caught.value.status == 400
    assert caught.value.error_code == 1001
    assert caught.value.message == "The request was malformed: message must not be longer than 5000 characters"
    assert len(responses.calls) == 1


@responses.activate
def test_delete_reply_sends_delete_with_the_bearer_token():
    responses.delete(REPLY_URL, status=204)

    result = make_client().delete_reply(access_token=TOKEN, review_id=REVIEW_ID)

    assert result is None
    request = sent()
    assert request.method == "DELETE"
    assert request.url == REPLY_URL
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["apikey"] == API_KEY


@responses.activate
def test_delete_reply_answered_503_is_repeated_because_deleting_twice_is_safe():
    responses.delete(REPLY_URL, status=503)
    responses.delete(REPLY_URL, status=204)
    delays: list[float] = []
    client = make_client(sleep=delays.append)

    client.delete_reply(access_token=TOKEN, review_id=REVIEW_ID)

    assert client.calls == 2
    assert len(delays) == 1
