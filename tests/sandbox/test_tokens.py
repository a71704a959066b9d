"""The token endpoint, refresh with rotation, and revoke."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.trustpilot import oauth
from sandbox.trustpilot.auth import API_KEY, API_SECRET
from sandbox.trustpilot.models import Token
from tests.sandbox.helpers import BASE, REFRESH_URL, REVOKE_URL, TOKEN_URL, basic_auth

pytestmark = pytest.mark.django_db

ME_URL = BASE + "/v1/private/me"


def post(url: str, form: dict[str, str], auth: str | None = None):
    headers = {"Authorization": auth or basic_auth()}
    return Client().post(url, form, headers=headers)


def me(access_token: str):
    return Client().get(ME_URL, headers={"apikey": API_KEY, "Authorization": f"Bearer {access_token}"})


@pytest.fixture
def code(demo):
    return oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri="https://trustdesk.test/cb").code


def test_a_code_exchange_answers_like_trustpilot_with_strings_only(code):
    response = post(
        TOKEN_URL, {"grant_type": "authorization_code", "code": code, "redirect_uri": "https://trustdesk.test/cb"}
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "access_token",
        "refresh_token",
        "expires_in",
        "issued_at",
        "token_type",
        "refresh_token_issued_at",
        "refresh_token_expires_in",
        "refresh_token_status",
        "app_enduser",
    }
    assert all(isinstance(value, str) for value in body.values())
    assert body["access_token"].startswith("tpa-") and body["refresh_token"].startswith("tpr-")
    assert body["expires_in"] == "360000"
    assert body["refresh_token_expires_in"] == str(30 * 24 * 3600)
    assert body["token_type"] == "BearerToken"
    assert body["refresh_token_status"] == "approved"
    assert abs(int(body["issued_at"]) - timezone.now().timestamp()) < 5
    assert Token.objects.filter(kind="access", value=body["access_token"], revoked=False).exists()
    assert me(body["access_token"]).status_code == 200


def test_the_application_may_authenticate_with_form_fields(code):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://trustdesk.test/cb",
        "client_id": API_KEY,
        "client_secret": API_SECRET,
    }

    response = Client().post(TOKEN_URL, form)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "auth", [basic_auth(API_KEY, "wrong-secret"), basic_auth("other-key", API_SECRET), "Basic !!!", "Bearer x"]
)
def test_wrong_application_credentials_get_401(code, auth):
    response = post(
        TOKEN_URL, {"grant_type": "authorization_code", "code": code, "redirect_uri": "https://trustdesk.test/cb"}, auth
    )

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid client credentials"
    assert not Token.objects.exists()


def test_an_unknown_grant_type_is_a_bad_request(demo):
    response = post(TOKEN_URL, {"grant_type": "magic_link", "username": "demo@trustdesk.test", "password": "sandbox"})

    assert response.status_code == 400
    assert set(response.json()) == {"message", "errorCode", "details", "correlationId"}
    assert response.json()["message"] == "grant_type must be authorization_code, password or refresh_token"


def test_the_password_grant_answers_like_the_code_grant(demo):
    form = {"grant_type": "password", "username": "Demo@TrustDesk.test", "password": "sandbox"}

    response = post(TOKEN_URL, form)

    assert response.status_code == 200
    body = response.json()
    assert body["access_token"].startswith("tpa-") and body["refresh_token"].startswith("tpr-")
    assert (body["expires_in"], body["token_type"], body["app_enduser"]) == ("360000", "BearerToken", demo.user.id)
    assert all(isinstance(value, str) for value in body.values())
    assert me(body["access_token"]).json()["businessUser"]["email"] == "demo@trustdesk.test"
    refreshed = post(TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("demo@trustdesk.test", "wrong"), ("nobody@trustdesk.test", "sandbox"), ("demo@trustdesk.test", "")],
)
def test_the_password_grant_refuses_wrong_credentials_as_an_invalid_grant(demo, username, password):
    response = post(TOKEN_URL, {"grant_type": "password", "username": username, "password": password})

    assert response.status_code == 400
    assert response.json()["errorCode"] == 1003
    assert response.json()["message"] == "Invalid username or password"
    assert not Token.objects.exists()


def test_the_password_grant_needs_the_applications_credentials(demo):
    form = {"grant_type": "password", "username": "demo@trustdesk.test", "password": "sandbox"}

    response = post(TOKEN_URL, form, basic_auth(API_KEY, "wrong-secret"))

    assert response.status_code == 401
    assert not Token.objects.exists()


def test_refresh_rotates_and_the_old_refresh_token_is_refused(tokens):
    first = post(TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": tokens.refresh.value})
    again = post(TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": tokens.refresh.value})

    assert first.status_code == 200
    body = first.json()
    assert body["refresh_token"] != tokens.refresh.value
    assert body["access_token"] != tokens.access.value
    assert again.status_code == 400
    assert again.json()["errorCode"] == 1003
    assert Token.objects.get(value=tokens.refresh.value).revoked
    assert me(body["access_token"]).status_code == 200


def test_the_rotated_refresh_token_works_once_more(tokens):
    rotated = post(TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": tokens.refresh.value}).json()

    response = post(REFRESH_URL, {"grant_type": "refresh_token", "refresh_token": rotated["refresh_token"]})

    assert response.status_code == 200
    assert Token.objects.filter(kind="refresh", revoked=False).count() == 1


def test_the_refresh_endpoint_also_refreshes(tokens):
    response = post(REFRESH_URL, {"refresh_token": tokens.refresh.value})

    assert response.status_code == 200
    assert response.json()["refresh_token"].startswith("tpr-")


def test_an_expired_refresh_token_is_refused(tokens):
    Token.objects.filter(pk=tokens.refresh.pk).update(expires_at=timezone.now())

    response = post(TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": tokens.refresh.value})

    assert response.status_code == 400
    assert response.json()["errorCode"] == 1003


def test_revoking_a_refresh_token_ends_its_grant(tokens):
    response = post(REVOKE_URL, {"token": tokens.refresh.value})

    assert response.status_code == 200
    assert response.json() == {}
    assert me(tokens.access.value).status_code == 401
    refused = post(TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": tokens.refresh.value})
    assert refused.status_code == 400
    assert not Token.objects.filter(revoked=False).exists()


def test_revoking_an_access_token_keeps_the_refresh_token(tokens):
    response = post(REVOKE_URL, {"token": tokens.access.value})

    assert response.status_code == 200
    assert me(tokens.access.value).status_code == 401
    assert not Token.objects.get(pk=tokens.refresh.pk).revoked


def test_revoke_needs_the_application_credentials(tokens):
    response = post(REVOKE_URL, {"token": tokens.access.value}, auth=basic_auth(API_KEY, "wrong"))

    assert response.status_code == 401
    assert not Token.objects.get(pk=tokens.access.pk).revoked
