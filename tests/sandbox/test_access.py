"""The apikey header, Bearer tokens, access to business units, and the business-user endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.trustpilot.auth import API_KEY
from sandbox.trustpilot.models import Token
from tests.sandbox import factories
from tests.sandbox.helpers import BASE, review_url, reviews_url

pytestmark = pytest.mark.django_db

ME_URL = BASE + "/v1/private/me"
FIND_URL = BASE + "/v1/business-units/find"


def test_me_names_the_tokens_business_user(api, demo):
    response = api.get(ME_URL)

    assert response.status_code == 200
    assert response.json() == {
        "businessUser": {"id": demo.user.id, "name": "Demo Business", "email": "demo@trustdesk.test"}
    }


def test_a_private_call_without_the_apikey_header_gets_trustpilots_cdn_403(tokens):
    response = Client().get(ME_URL, headers={"Authorization": f"Bearer {tokens.access.value}"})

    assert response.status_code == 403
    assert response["Content-Type"] == "text/html"
    assert response["Server"] == "CloudFront"
    assert "<H1>403 ERROR</H1>" in response.content.decode()


def test_a_wrong_apikey_gets_403(tokens):
    headers = {"apikey": "not-the-key", "Authorization": f"Bearer {tokens.access.value}"}

    response = Client().get(ME_URL, headers=headers)

    assert response.status_code == 403
    assert response["X-Cache"] == "Error from cloudfront"


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer tpa-unknown", "Basic abc"])
def test_a_private_call_without_a_valid_bearer_token_gets_401(demo, authorization):
    headers = {"apikey": API_KEY} | ({"Authorization": authorization} if authorization else {})

    response = Client().get(ME_URL, headers=headers)

    assert response.status_code == 401
    body = response.json()
    assert body["message"] == "Unauthorized"
    assert set(body) == {"message", "errorCode", "details", "correlationId"}


def test_an_expired_access_token_gets_401(api, tokens):
    Token.objects.filter(pk=tokens.access.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert api.get(ME_URL).status_code == 401


def test_a_revoked_access_token_gets_401(api, tokens):
    Token.objects.filter(pk=tokens.access.pk).update(revoked=True)

    assert api.get(ME_URL).status_code == 401


def test_a_refresh_token_is_not_an_access_token(tokens):
    headers = {"apikey": API_KEY, "Authorization": f"Bearer {tokens.refresh.value}"}

    assert Client().get(ME_URL, headers=headers).status_code == 401


def test_the_business_units_list_holds_the_users_units(api, demo):
    response = api.get(f"{BASE}/v1/private/business-users/{demo.user.id}/business-units")

    assert response.status_code == 200
    units = response.json()["businessUnits"]
    assert [unit["name"]["identifying"] for unit in units] == [
        "boutique.example",
        "outlet.example",
        "shop.example",
    ]
    shop = units[2]
    assert shop == {
        "id": demo.units[0].id,
        "displayName": "Demo Shop",
        "name": {"identifying": "shop.example", "referring": []},
        "websiteUrl": "https://shop.example",
        "country": "GB",
        "status": "active",
    }


def test_another_users_business_units_are_forbidden(api, stranger_unit):
    other = stranger_unit.users.get()

    response = api.get(f"{BASE}/v1/private/business-users/{other.id}/business-units")

    assert response.status_code == 403


def test_another_users_business_unit_reviews_are_forbidden(api, stranger_unit):
    response = api.get(reviews_url(stranger_unit.id))

    assert response.status_code == 403
    assert response.json()["errorCode"] == 1005


def test_another_users_review_is_forbidden(api, stranger_unit):
    review = factories.ReviewFactory(business_unit=stranger_unit)

    assert api.get(review_url(review.id)).status_code == 403
    assert api.post(review_url(review.id) + "/reply", {"message": "Hi"}, "application/json").status_code == 403
    assert api.delete(review_url(review.id) + "/reply").status_code == 403


def test_find_returns_the_business_unit_with_its_review_count(demo):
    unit = demo.units[0]
    factories.ReviewFactory.create_batch(3, business_unit=unit)

    response = Client().get(FIND_URL, {"name": "shop.example"}, headers={"apikey": API_KEY})

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == unit.id
    assert body["name"] == {"identifying": "shop.example", "referring": []}
    assert body["displayName"] == "Demo Shop"
    assert body["numberOfReviews"] == {"total": 3}


def test_find_needs_only_the_apikey(demo):
    assert Client().get(FIND_URL, {"name": "shop.example"}).status_code == 403


def test_find_answers_404_for_an_unknown_domain(demo):
    response = Client().get(FIND_URL, {"name": "nowhere.example"}, headers={"apikey": API_KEY})

    assert response.status_code == 404
    assert response.json()["errorCode"] == 1006


def test_an_unknown_business_unit_is_404(api, demo):
    assert api.get(reviews_url("f" * 24)).status_code == 404
