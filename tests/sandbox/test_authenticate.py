"""The browser sign-in page: Business email and password, Allow or Deny, single-use codes."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.trustpilot.auth import API_KEY
from sandbox.trustpilot.models import AuthorizationCode
from sandbox.trustpilot.seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.sandbox.helpers import BASE, TOKEN_URL, basic_auth

pytestmark = pytest.mark.django_db

REDIRECT_URI = "https://trustdesk.test/trustpilot/callback"


def sign_in_url(**overrides: str | None) -> str:
    params = {"client_id": API_KEY, "redirect_uri": REDIRECT_URI, "response_type": "code", "state": "st-1/ä+&"}
    params.update(overrides)
    return f"{BASE}/authenticate?{urlencode({k: v for k, v in params.items() if v is not None})}"


def redirect_query(response) -> dict[str, list[str]]:
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    return parse_qs(urlsplit(location).query)


def allow(client, url: str | None = None, password: str = DEMO_PASSWORD):
    return client.post(url or sign_in_url(), {"email": DEMO_EMAIL, "password": password, "action": "allow"})


def exchange(code: str, redirect_uri: str = REDIRECT_URI):
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return Client().post(TOKEN_URL, form, headers={"Authorization": basic_auth()})


def test_the_sign_in_page_asks_for_business_credentials_with_csrf_protection(demo):
    client = Client(enforce_csrf_checks=True)

    response = client.get(sign_in_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'type="email"' in page and 'type="password"' in page
    assert ">Allow</button>" in page and ">Deny</button>" in page
    assert "Google" not in page
    assert "trustdesk.test" in page


def test_the_sign_in_form_is_refused_without_its_csrf_token(demo):
    client = Client(enforce_csrf_checks=True)

    response = client.post(sign_in_url(), {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "action": "allow"})

    assert response.status_code == 403
    assert not AuthorizationCode.objects.exists()


def test_the_sign_in_page_escapes_what_the_link_carries(demo):
    response = Client().get(sign_in_url(redirect_uri="https://trustdesk.test/<script>x</script>"))

    assert b"<script>x</script>" not in response.content


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"client_id": "someone-else"}, "client_id"),
        ({"client_id": None}, "client_id"),
        ({"redirect_uri": None}, "redirect_uri is missing"),
        ({"redirect_uri": "javascript:alert(1)"}, "redirect_uri must be"),
        ({"redirect_uri": "https://evil.example/cb"}, "redirect_uri is not registered"),
        ({"response_type": "token"}, "response_type"),
    ],
)
def test_a_bad_sign_in_link_shows_an_error_page(demo, overrides, problem):
    response = Client().get(sign_in_url(**overrides))

    assert response.status_code == 400
    assert problem in response.content.decode()
    assert "<form" not in response.content.decode()


def test_a_wrong_password_shows_the_page_again_with_an_error(demo):
    response = allow(Client(), password="wrong")

    assert response.status_code == 200
    assert "Wrong email or password" in response.content.decode()
    assert not AuthorizationCode.objects.exists()


def test_allow_redirects_with_a_code_and_the_state_untouched(demo):
    response = allow(Client())

    query = redirect_query(response)
    assert query["state"] == ["st-1/ä+&"]
    code = AuthorizationCode.objects.get()
    assert query["code"] == [code.code]
    assert code.user == demo.user
    assert code.redirect_uri == REDIRECT_URI
    assert not code.used
    assert timedelta(minutes=9) < code.expires_at - timezone.now() <= timedelta(minutes=10)


def test_without_a_state_none_comes_back(demo):
    response = allow(Client(), url=sign_in_url(state=None))

    assert set(redirect_query(response)) == {"code"}


def test_the_redirect_keeps_the_redirect_uris_own_query(demo):
    response = allow(Client(), url=sign_in_url(redirect_uri=REDIRECT_URI + "?tenant=acme"))

    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["tenant"] == ["acme"]
    assert "code" in query


def test_deny_redirects_with_access_denied_and_the_state(demo):
    response = Client().post(sign_in_url(), {"action": "deny"})

    assert redirect_query(response) == {"error": ["access_denied"], "state": ["st-1/ä+&"]}
    assert not AuthorizationCode.objects.exists()


def test_a_code_buys_tokens_once(demo):
    code = redirect_query(allow(Client()))["code"][0]

    first = exchange(code)
    second = exchange(code)

    assert first.status_code == 200
    assert first.json()["access_token"].startswith("tpa-")
    assert second.status_code == 400
    assert second.json()["errorCode"] == 1003
    assert AuthorizationCode.objects.get().used


def test_a_code_needs_the_redirect_uri_it_was_issued_for(demo):
    code = redirect_query(allow(Client()))["code"][0]

    response = exchange(code, redirect_uri="https://elsewhere.example/callback")

    assert response.status_code == 400
    assert "redirect_uri" in response.json()["message"]
    assert exchange(code).status_code == 200


def test_an_expired_code_is_refused(demo):
    code = redirect_query(allow(Client()))["code"][0]
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = exchange(code)

    assert response.status_code == 400
    assert response.json()["errorCode"] == 1003
