"""The private review list: paging, ordering, filters and the review object."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox import factories
from tests.sandbox.helpers import reviews_url

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 1, 31, 13, 37, tzinfo=UTC)


def make_reviews(unit, count: int, **fields):
    return [
        factories.ReviewFactory(business_unit=unit, created_at=T0 + timedelta(minutes=n), **fields)
        for n in range(count)
    ]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [review["id"] for review in response.json()["reviews"]]


def test_pages_of_100_cover_every_review_once_newest_first(api, unit):
    reviews = make_reviews(unit, 250)

    pages = [api.get(reviews_url(unit.id), {"perPage": 100, "page": page}) for page in (1, 2, 3)]

    seen = [review_id for page in pages for review_id in ids(page)]
    assert seen == [review.id for review in reversed(reviews)]
    assert [len(ids(page)) for page in pages] == [100, 100, 50]
    assert pages[2].json()["links"] == []


def test_a_full_page_links_to_the_next_one_with_the_same_query(api, unit):
    make_reviews(unit, 3)

    response = api.get(reviews_url(unit.id), {"perPage": 2, "orderBy": "createdat.asc", "stars": [4, 5]})

    [link] = response.json()["links"]
    assert link["rel"] == "next-page" and link["method"] == "GET"
    href = urlsplit(link["href"])
    assert href.scheme == "http" and href.netloc == "testserver"
    assert href.path == reviews_url(unit.id)
    assert parse_qs(href.query) == {"perPage": ["2"], "orderBy": ["createdat.asc"], "stars": ["4", "5"], "page": ["2"]}


def test_a_page_past_the_last_is_empty(api, unit):
    make_reviews(unit, 3)

    response = api.get(reviews_url(unit.id), {"page": 2})

    assert response.status_code == 200
    assert response.json() == {"reviews": [], "links": []}


def test_orderby_sorts_by_creation_both_ways(api, unit):
    reviews = make_reviews(unit, 5)
    expected = [review.id for review in reviews]

    assert ids(api.get(reviews_url(unit.id), {"orderBy": "createdat.asc"})) == expected
    assert ids(api.get(reviews_url(unit.id), {"orderBy": "createdat.desc"})) == expected[::-1]
    assert ids(api.get(reviews_url(unit.id))) == expected[::-1]


def test_orderby_sorts_by_stars(api, unit):
    for stars in (3, 1, 5):
        factories.ReviewFactory(business_unit=unit, stars=stars)

    ascending = api.get(reviews_url(unit.id), {"orderBy": "stars.asc"}).json()["reviews"]
    descending = api.get(reviews_url(unit.id), {"orderBy": "stars.desc"}).json()["reviews"]

    assert [review["stars"] for review in ascending] == [1, 3, 5]
    assert [review["stars"] for review in descending] == [5, 3, 1]


@pytest.mark.parametrize("suffix", ["", "Z"])
def test_the_date_window_includes_both_bounds(api, unit, suffix):
    reviews = make_reviews(unit, 5)
    window = {
        "startDateTime": f"{T0 + timedelta(minutes=1):%Y-%m-%dT%H:%M:%S}{suffix}",
        "endDateTime": f"{T0 + timedelta(minutes=3):%Y-%m-%dT%H:%M:%S}{suffix}",
        "orderBy": "createdat.asc",
    }

    response = api.get(reviews_url(unit.id), window)

    assert ids(response) == [review.id for review in reviews[1:4]]


def test_responded_filters_on_the_company_reply(api, unit):
    answered = make_reviews(unit, 2, reply_text="Thanks!", reply_created_at=T0)
    unanswered = make_reviews(unit, 3)

    assert set(ids(api.get(reviews_url(unit.id), {"responded": "true"}))) == {r.id for r in answered}
    assert set(ids(api.get(reviews_url(unit.id), {"responded": "false"}))) == {r.id for r in unanswered}


def test_stars_and_language_filters_take_repeated_and_comma_separated_values(api, unit):
    for stars, language in [(1, "en"), (2, "fr"), (5, "en"), (5, "da")]:
        factories.ReviewFactory(business_unit=unit, stars=stars, language=language)

    repeated = api.get(reviews_url(unit.id), {"stars": ["1", "5"], "language": "en"}).json()["reviews"]
    commas = api.get(reviews_url(unit.id), {"stars": "1,5", "language": "en,da"}).json()["reviews"]

    assert sorted(review["stars"] for review in repeated) == [1, 5]
    assert sorted((review["stars"], review["language"]) for review in commas) == [(1, "en"), (5, "da"), (5, "en")]


@pytest.mark.parametrize(
    "query",
    [
        {"perPage": "101"},
        {"perPage": "0"},
        {"perPage": "ten"},
        {"page": "0"},
        {"orderBy": "updatedat.desc"},
        {"startDateTime": "31/01/2024"},
        {"endDateTime": "2024-13-01T00:00:00"},
        {"responded": "maybe"},
        {"stars": "6"},
    ],
)
def test_a_bad_query_parameter_is_a_400(api, unit, query):
    response = api.get(reviews_url(unit.id), query)

    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == 1002
    assert body["details"] == ""
    assert len(body["correlationId"]) == 36


def test_a_review_renders_as_trustpilots_private_review_object(api, unit, demo):
    review = factories.ReviewFactory(
        business_unit=unit,
        stars=2,
        title="Late <b>again</b>",
        text="Colis abîmé 😞 <script>alert(1)</script>",
        language="fr",
        consumer_name="Zoë Müller",
        consumer_location="Lyon, FR",
        consumer_review_count=3,
        created_at=datetime(2024, 1, 31, 13, 37, 5, 250_000, tzinfo=UTC),
        updated_at=datetime(2024, 2, 1, 8, 0, tzinfo=UTC),
        reference_id="ORDER-1",
        referral_email="zoe@mail.example",
        is_verified=True,
        reply_text="Désolé !",
        reply_created_at=datetime(2024, 2, 2, 9, 30, tzinfo=UTC),
        reply_updated_at=datetime(2024, 2, 3, 10, 0, tzinfo=UTC),
        reply_author=demo.user,
    )

    [body] = api.get(reviews_url(unit.id)).json()["reviews"]

    assert body == {
        "id": review.id,
        "stars": 2,
        "title": "Late <b>again</b>",
        "text": "Colis abîmé 😞 <script>alert(1)</script>",
        "language": "fr",
        "createdAt": "2024-01-31T13:37:05.250Z",
        "updatedAt": "2024-02-01T08:00:00Z",
        "experiencedAt": "2024-01-31T00:00:00.000Z",
        "consumer": {
            "id": review.consumer_id,
            "displayName": "Zoë Müller",
            "displayLocation": "Lyon, FR",
            "numberOfReviews": 3,
        },
        "businessUnit": {"id": unit.id, "identifyingName": "shop.example", "displayName": "Demo Shop"},
        "location": None,
        "referenceId": "ORDER-1",
        "referralEmail": "zoe@mail.example",
        "source": "InvitationApi",
        "isVerified": True,
        "status": "active",
        "reportData": None,
        "companyReply": {
            "text": "Désolé !",
            "authorBusinessUserId": demo.user.id,
            "authorBusinessUserName": "Demo Business",
            "createdAt": "2024-02-02T09:30:00",
            "updatedAt": "2024-02-03T10:00:00",
        },
        "tags": [],
        "links": [
            {
                "href": f"http://testserver/sandbox/trustpilot/v1/private/reviews/{review.id}",
                "method": "GET",
                "rel": "reviews",
            }
        ],
    }


def test_an_organic_unedited_review_has_nulls_where_trustpilot_has_them(api, unit):
    factories.ReviewFactory(business_unit=unit)

    [body] = api.get(reviews_url(unit.id)).json()["reviews"]

    assert body["updatedAt"] is None
    assert body["referenceId"] is None and body["referralEmail"] is None
    assert body["source"] == "Organic"
    assert body["companyReply"] is None


def test_a_page_costs_the_same_few_queries_however_many_reviews_it_holds(
    api, unit, demo, django_assert_max_num_queries
):
    make_reviews(unit, 100, reply_text="Thanks", reply_created_at=T0, reply_author=demo.user)

    with django_assert_max_num_queries(8):
        response = api.get(reviews_url(unit.id), {"perPage": 100})

    assert len(ids(response)) == 100
