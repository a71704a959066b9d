"""Finding business units (docs/trustpilot.md §3): the signed-in user, their units, one unit, lookup by
domain, access."""

from __future__ import annotations

import pytest
import responses

from reviews.trustpilot import errors
from reviews.trustpilot.client import normalize_domain
from reviews.trustpilot.types import BusinessUnit, BusinessUser
from tests.fixtures import load_fixture
from tests.reviews.trustpilot_support import (
    API_KEY,
    BUSINESS_UNIT_ID,
    BUSINESS_USER_ID,
    FIND_URL,
    ME_URL,
    PRIVATE_UNIT_URL,
    PUBLIC_UNIT_URL,
    REVIEWS_URL,
    TOKEN,
    USER_UNITS_URL,
    add_fixture,
    make_client,
    query_of,
    sent,
)

SHOP = BusinessUnit(id=BUSINESS_UNIT_ID, name="shop.example", display_name="Shop Example")


@responses.activate
def test_user_business_units_without_a_units_array_raises_unavailable():
    responses.get(USER_UNITS_URL, json={"links": []})

    with pytest.raises(errors.Unavailable, match="unexpected shape"):
        make_client().user_business_units(access_token=TOKEN, user_id=BUSINESS_USER_ID)


@responses.activate
def test_business_user_with_no_id_raises_unavailable():
    responses.get(ME_URL, json={"links": []})

    with pytest.raises(errors.Unavailable, match="missing id"):
        make_client().business_user(access_token=TOKEN)

    assert len(responses.calls) == 1


@responses.activate
def test_find_business_unit_looks_up_the_identifying_name_with_the_api_key_only():
    add_fixture("GET", FIND_URL, "business_unit_synthetic.json")

    unit = make_client().find_business_unit(domain="shop.example")

    assert unit == BusinessUnit(id=BUSINESS_UNIT_ID, name="shop.example", display_name="Shop Example")
    request = sent()
    assert request.method == "GET"
    assert query_of(request) == {"name": "shop.example"}
    assert request.headers["apikey"] == API_KEY
    assert "Authorization" not in request.headers


@pytest.mark.parametrize(
    "typed",
    [
        "https://shop.example",
        "http://shop.example/",
        "HTTPS://Shop.Example/reviews/latest?utm=1",
        "  SHOP.example/some/path  ",
        "shop.example",
    ],
)
@responses.activate
def test_find_business_unit_drops_scheme_path_and_case_before_asking(typed):
    add_fixture("GET", FIND_URL, "business_unit_synthetic.json")

    make_client().find_business_unit(domain=typed)

    assert query_of(sent()) == {"name": "shop.example"}


def test_normalize_domain_keeps_a_www_prefix_because_trustpilot_matches_exactly():
    assert normalize_domain("https://www.Shop.example/path") == "www.shop.example"


@responses.activate
def test_find_business_unit_for_an_unknown_domain_raises_not_found():
    responses.get(FIND_URL, status=404, json={"message": "Business unit not found", "errorCode": 0, "details": ""})

    with pytest.raises(errors.NotFound) as caught:
        make_client().find_business_unit(domain="nobody.example")

    assert caught.value.status == 404
    assert caught.value.message == "Business unit not found"


@responses.activate
def test_find_business_unit_with_a_plain_string_name_uses_it_as_the_identifying_name():
    body = load_fixture("trustpilot", "business_unit_synthetic.json")
    body["name"] = "shop.example"
    del body["displayName"]
    responses.get(FIND_URL, json=body)

    unit = make_client().find_business_unit(domain="shop.example")

    assert unit == BusinessUnit(id=BUSINESS_UNIT_ID, name="shop.example", display_name="shop.example")


@responses.activate
def test_business_user_reads_me_with_the_bearer_token():
    add_fixture("GET", ME_URL, "me_synthetic.json")

    user = make_client().business_user(access_token=TOKEN)

    assert user == BusinessUser(id=BUSINESS_USER_ID, name="Søren Østergaard", email="soren@shop.example")
    assert sent().headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent().headers["apikey"] == API_KEY


@responses.activate
def test_business_user_where_me_does_not_exist_raises_not_found():
    add_fixture("GET", ME_URL, "error_not_found_synthetic.json", status=404)

    with pytest.raises(errors.NotFound):
        make_client().business_user(access_token=TOKEN)


@responses.activate
def test_user_business_units_lists_the_named_units_of_the_given_user():
    add_fixture("GET", USER_UNITS_URL, "business_units_synthetic.json")

    units = make_client().user_business_units(access_token=TOKEN, user_id=BUSINESS_USER_ID)

    assert units[0] == SHOP
    assert sent().url == USER_UNITS_URL
    assert sent().headers["Authorization"] == f"Bearer {TOKEN}"


@responses.activate
def test_user_business_units_listed_by_id_only_come_back_without_names():
    add_fixture("GET", USER_UNITS_URL, "business_units_ids_only_synthetic.json")

    units = make_client().user_business_units(access_token=TOKEN, user_id=BUSINESS_USER_ID)

    assert units == [
        BusinessUnit(id=BUSINESS_UNIT_ID, name="", display_name=""),
        BusinessUnit(id="5a1b2c3d4e5f60718293a4b5", name="", display_name=""),
    ]


@responses.activate
def test_user_business_units_refused_raises_auth_error_with_status_403():
    add_fixture("GET", USER_UNITS_URL, "error_forbidden_synthetic.json", status=403)

    with pytest.raises(errors.AuthError) as caught:
        make_client().user_business_units(access_token=TOKEN, user_id=BUSINESS_USER_ID)

    assert caught.value.status == 403
    assert len(responses.calls) == 1


@responses.activate
def test_get_business_unit_with_a_token_reads_the_private_endpoint():
    add_fixture("GET", PRIVATE_UNIT_URL, "private_business_unit_synthetic.json")

    unit = make_client().get_business_unit(business_unit_id=BUSINESS_UNIT_ID, access_token=TOKEN)

    assert unit == SHOP
    assert sent().url == PRIVATE_UNIT_URL
    assert sent().headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent().headers["apikey"] == API_KEY


@responses.activate
def test_get_business_unit_without_a_token_reads_the_public_endpoint_with_the_api_key_only():
    add_fixture("GET", PUBLIC_UNIT_URL, "business_unit_synthetic.json")

    unit = make_client().get_business_unit(business_unit_id=BUSINESS_UNIT_ID)

    assert unit == SHOP
    assert sent().url == PUBLIC_UNIT_URL
    assert sent().headers["apikey"] == API_KEY
    assert "Authorization" not in sent().headers


@responses.activate
def test_get_business_unit_that_is_unknown_raises_not_found():
    add_fixture("GET", PUBLIC_UNIT_URL, "error_not_found_synthetic.json", status=404)

    with pytest.raises(errors.NotFound):
        make_client().get_business_unit(business_unit_id=BUSINESS_UNIT_ID)


@responses.activate
def test_has_access_lists_one_private_review_and_says_yes_when_trustpilot_answers():
    add_fixture("GET", REVIEWS_URL, "private_reviews_page_empty_synthetic.json")

    assert make_client().has_access(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID) is True
    assert sent().url.split("?")[0] == REVIEWS_URL
    assert query_of(sent()) == {"page": "1", "perPage": "1"}
    assert sent().headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("status", [401, 403, 404])
@responses.activate
def test_has_access_says_no_on_401_403_and_404_without_retrying(status):
    responses.get(REVIEWS_URL, status=status, json={"message": "No", "errorCode": 0, "details": ""})

    assert make_client().has_access(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID) is False
    assert len(responses.calls) == 1


@pytest.mark.parametrize(("status", "error"), [(503, errors.Unavailable), (429, errors.RateLimited)])
@responses.activate
def test_has_access_raises_when_trustpilot_is_down_or_limiting(status, error):
    responses.get(REVIEWS_URL, status=status, json={"message": "Later", "errorCode": 0, "details": ""})

    with pytest.raises(error):
        make_client(max_attempts=1).has_access(access_token=TOKEN, business_unit_id=BUSINESS_UNIT_ID)
