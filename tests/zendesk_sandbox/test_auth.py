"""API token authentication: "{email}/token" and the token, over HTTP Basic."""

from __future__ import annotations

import pytest
import requests

from sandbox.zendesk.seed import zendesk_sandbox_seed
from tests.zendesk_sandbox.helpers import TIMEOUT, get

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = "/api/v2/custom_roles.json"
REFUSED = {"error": "Couldn't authenticate you"}


def test_the_api_user_and_its_token_are_let_in(live_zendesk):
    response = get(live_zendesk, ROLES)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"


def test_the_email_is_matched_without_regard_to_case(live_zendesk):
    response = get(live_zendesk, ROLES, auth=(live_zendesk.email.upper() + "/token", live_zendesk.token))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        pytest.param(lambda z: (f"{z.email}/token", "wrong-token"), id="wrong token"),
        pytest.param(lambda z: ("someone@acme.example/token", z.token), id="another email"),
        pytest.param(lambda z: (z.email, z.token), id="password auth instead of a token"),
        pytest.param(lambda z: (f"{z.email}/token", ""), id="empty token"),
    ],
)
def test_wrong_credentials_are_refused_with_401(live_zendesk, credentials):
    response = get(live_zendesk, ROLES, auth=credentials(live_zendesk))

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == REFUSED


@pytest.mark.parametrize("header", [None, "Bearer abc", "Basic not-base64!"])
def test_missing_or_garbled_credentials_are_refused_with_401(live_zendesk, header):
    headers = {"Authorization": header} if header else {}

    response = requests.get(live_zendesk.base_url + ROLES, headers=headers, timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.json() == REFUSED


def test_another_accounts_token_is_refused(live_zendesk):
    other = zendesk_sandbox_seed(subdomain="globex")

    response = get(live_zendesk, ROLES, auth=(f"{other.api_user}/token", other.api_token))

    assert response.status_code == 401


def test_an_unknown_subdomain_answers_404(live_zendesk):
    response = requests.get(
        live_zendesk.base_url.replace("/acme", "/nobody") + ROLES, auth=live_zendesk.auth, timeout=TIMEOUT
    )

    assert response.status_code == 404
    assert response.json()["error"] == "RecordNotFound"
