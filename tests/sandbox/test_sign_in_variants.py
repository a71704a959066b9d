"""The sign-in as Trustpilot may turn out to behave (docs/trustpilot.md §2.1, §2.3, §3.1), one control switch each,
and the single business-unit endpoints the client falls back on."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from sandbox.control import control_headers
from sandbox.trustpilot import faults, oauth
from sandbox.trustpilot.auth import API_KEY
from sandbox.trustpilot.models import Faults
from sandbox.trustpilot.seed import DEMO_EMAIL, DEMO_PASSWORD
from tests.sandbox.helpers import BASE, FAULTS_URL, RESET_URL, TOKEN_URL, basic_auth

pytestmark = pytest.mark.django_db

ME_URL = BASE + "/v1/private/me"
REDIRECT_URI = "https://trustdesk.test/trustpilot/callback"
ERROR_KEYS = {"message", "errorCode", "details", "correlationId"}


def control(body: dict[str, object]):
    return Client().post(FAULTS_URL, body, content_type="application/json", headers=control_headers())


def sign_in_url(state: str = "st-1") -> str:
    query = {"client_id": API_KEY, "redirect_uri": REDIRECT_URI, "response_type": "code", "state": state}
    return f"{BASE}/authenticate?{urlencode(query)}"


def redirect_query(response) -> dict[str, list[str]]:
    assert response.status_code == 302
    return parse_qs(urlsplit(response["Location"]).query)


def listing_url(user_id: str) -> str:
    return f"{BASE}/v1/private/business-users/{user_id}/business-units"


def private_unit_url(unit_id: str) -> str:
    return f"{BASE}/v1/private/business-units/{unit_id}"


def public_unit_url(unit_id: str) -> str:
    return f"{BASE}/v1/business-units/{unit_id}"


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        ({"echo_state": False}, "echo_state", False),
        ({"strict_opener_policy": True}, "strict_opener_policy", True),
        ({"send_app_enduser": False}, "send_app_enduser", False),
        ({"unit_listing": "unnamed"}, "unit_listing", "unnamed"),
        ({"unit_listing": "no_me"}, "unit_listing", "no_me"),
        ({"unit_listing": "no_listing"}, "unit_listing", "no_listing"),
    ],
)
def test_each_sign_in_switch_is_set_and_reported_by_the_control_endpoint(sandbox_on, body, field, value):
    response = control(body)

    assert response.status_code == 200
    assert response.json()[field] == value
    assert Client().get(FAULTS_URL, headers=control_headers()).json()[field] == value
    assert getattr(Faults.objects.get(), field) == value


def test_reset_puts_the_sign_in_switches_back(sandbox_on):
    control({"echo_state": False, "strict_opener_policy": True, "send_app_enduser": False, "unit_listing": "no_me"})

    response = Client().post(RESET_URL, headers=control_headers())

    body = response.json()
    assert (body["echo_state"], body["strict_opener_policy"]) == (True, False)
    assert (body["send_app_enduser"], body["unit_listing"]) == (True, "named")


# --- state (docs/trustpilot.md §2.1) ---------------------------------------------------------------


def test_the_redirect_echoes_state_by_default(demo):
    response = Client().post(sign_in_url(), {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "action": "allow"})

    assert redirect_query(response)["state"] == ["st-1"]


def test_with_echo_state_off_the_redirect_carries_the_code_without_state(demo):
    faults.faults_set(echo_state=False)

    response = Client().post(sign_in_url(), {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "action": "allow"})

    query = redirect_query(response)
    assert "state" not in query
    assert set(query) == {"code"}


def test_with_echo_state_off_a_denial_carries_no_state_either(demo):
    faults.faults_set(echo_state=False)

    response = Client().post(sign_in_url(), {"action": "deny"})

    assert redirect_query(response) == {"error": ["access_denied"]}


# --- Cross-Origin-Opener-Policy ---------------------------------------------------------------------


def test_the_sign_in_page_keeps_the_opener_by_default(demo):
    response = Client().get(sign_in_url())

    assert response.status_code == 200
    assert response["Cross-Origin-Opener-Policy"] == "unsafe-none"


def test_with_a_strict_opener_policy_the_sign_in_page_and_its_redirect_cut_the_opener(demo):
    faults.faults_set(strict_opener_policy=True)

    page = Client().get(sign_in_url())
    redirect = Client().post(sign_in_url(), {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "action": "allow"})

    assert page["Cross-Origin-Opener-Policy"] == "same-origin"
    assert redirect.status_code == 302
    assert redirect["Cross-Origin-Opener-Policy"] == "same-origin"


# --- app_enduser in the token answer (docs/trustpilot.md §2.3) -------------------------------------


def exchange_code(demo) -> dict[str, str]:
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=REDIRECT_URI).code
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    response = Client().post(TOKEN_URL, form, headers={"Authorization": basic_auth()})
    assert response.status_code == 200
    return response.json()


def test_the_token_answer_names_the_business_user_in_app_enduser(demo):
    assert exchange_code(demo)["app_enduser"] == demo.user.id


def test_with_send_app_enduser_off_the_token_answer_leaves_it_out(demo):
    faults.faults_set(send_app_enduser=False)

    body = exchange_code(demo)

    assert "app_enduser" not in body
    assert body["access_token"].startswith("tpa-")


# --- the user's business units (docs/trustpilot.md §3.1) -------------------------------------------


def test_unnamed_listing_gives_each_unit_as_its_id_only(api, demo):
    faults.faults_set(unit_listing="unnamed")

    response = api.get(listing_url(demo.user.id))

    assert response.status_code == 200
    assert response.json() == {"businessUnits": [{"id": unit.id} for unit in sorted_units(demo)]}


def sorted_units(demo):
    return sorted(demo.units, key=lambda unit: unit.identifying_name)


def test_no_me_answers_404_like_a_missing_endpoint_whatever_the_token(api, demo):
    faults.faults_set(unit_listing="no_me")

    with_token = api.get(ME_URL)
    without_token = Client().get(ME_URL, headers={"apikey": API_KEY})

    assert (with_token.status_code, without_token.status_code) == (404, 404)
    assert set(with_token.json()) == ERROR_KEYS
    assert with_token.json()["errorCode"] == 1006
    assert api.get(listing_url(demo.user.id)).status_code == 200


def test_no_me_still_wants_the_apikey(tokens):
    faults.faults_set(unit_listing="no_me")

    response = Client().get(ME_URL, headers={"Authorization": f"Bearer {tokens.access.value}"})

    assert response.status_code == 403


def test_no_listing_refuses_the_users_units_with_403_but_me_answers(api, demo):
    faults.faults_set(unit_listing="no_listing")

    response = api.get(listing_url(demo.user.id))

    assert response.status_code == 403
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["errorCode"] == 1005
    assert api.get(ME_URL).status_code == 200


# --- one business unit: private and public ----------------------------------------------------------


def test_the_private_unit_endpoint_gives_a_unit_of_the_signed_in_user(api, unit):
    response = api.get(private_unit_url(unit.id))

    assert response.status_code == 200
    assert response.json() == {
        "id": unit.id,
        "displayName": unit.display_name,
        "name": {"identifying": unit.identifying_name, "referring": []},
        "websiteUrl": unit.website_url,
        "country": unit.country,
        "status": "active",
        "numberOfReviews": {"total": 0},
    }


def test_the_private_unit_endpoint_refuses_another_users_unit_with_403(api, stranger_unit):
    response = api.get(private_unit_url(stranger_unit.id))

    assert response.status_code == 403
    assert response.json()["errorCode"] == 1005


def test_the_private_unit_endpoint_answers_404_for_an_unknown_unit(api, demo):
    response = api.get(private_unit_url("f" * 24))

    assert response.status_code == 404
    assert response.json()["message"] == "Business unit not found"


def test_the_private_unit_endpoint_needs_a_bearer_token(unit):
    response = Client().get(private_unit_url(unit.id), headers={"apikey": API_KEY})

    assert response.status_code == 401


def test_the_private_unit_endpoint_names_the_unit_even_when_the_listing_does_not(api, unit):
    faults.faults_set(unit_listing="unnamed")

    response = api.get(private_unit_url(unit.id))

    assert response.json()["name"]["identifying"] == unit.identifying_name


def test_the_public_unit_endpoint_needs_only_the_apikey_for_any_unit(sandbox_on, stranger_unit):
    response = Client().get(public_unit_url(stranger_unit.id), headers={"apikey": API_KEY})

    assert response.status_code == 200
    assert response.json()["id"] == stranger_unit.id
    assert response.json()["displayName"] == stranger_unit.display_name
    assert response.json()["name"]["identifying"] == stranger_unit.identifying_name


def test_the_public_unit_endpoint_without_the_apikey_gets_403(unit):
    assert Client().get(public_unit_url(unit.id)).status_code == 403


def test_the_public_unit_endpoint_answers_404_for_an_unknown_unit(demo):
    response = Client().get(public_unit_url("f" * 24), headers={"apikey": API_KEY})

    assert response.status_code == 404
    assert set(response.json()) == ERROR_KEYS


def test_find_still_answers_beside_the_public_unit_route(demo):
    response = Client().get(f"{BASE}/v1/business-units/find", {"name": "shop.example"}, headers={"apikey": API_KEY})

    assert response.status_code == 200
    assert response.json()["name"]["identifying"] == "shop.example"


@pytest.mark.parametrize("private", [True, False], ids=["private", "public"])
def test_the_unit_endpoints_take_injected_failures_and_the_rate_limit(api, unit, private):
    url, caller = (private_unit_url(unit.id), api) if private else (public_unit_url(unit.id), Client())
    headers = {} if private else {"apikey": API_KEY}
    faults.faults_set(fail_next=1, fail_status=503, retry_after=2, rate_limit_per_minute=2)

    answers = [caller.get(url, headers=headers) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [503, 200, 200, 429]
    assert answers[0]["Retry-After"] == "2"
    assert answers[3].json()["errorCode"] == 1007


def test_the_unit_endpoints_wait_out_the_latency(api, unit):
    faults.faults_set(latency_ms=120)

    began = time.monotonic()
    response = api.get(private_unit_url(unit.id))

    assert response.status_code == 200
    assert time.monotonic() - began >= 0.12
