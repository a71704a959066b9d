"""The sandbox exists only while TRUSTDESK_SANDBOX is on, checked on every request."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sandbox.control import control_headers
from sandbox.trustpilot.auth import API_KEY
from tests.sandbox.helpers import BASE

pytestmark = pytest.mark.django_db

PATHS = [
    ("get", "/authenticate?client_id=sandbox-api-key&redirect_uri=https://trustdesk.test/cb&response_type=code"),
    ("post", "/v1/oauth/oauth-business-users-for-applications/accesstoken"),
    ("post", "/v1/oauth/oauth-business-users-for-applications/refresh"),
    ("post", "/v1/oauth/oauth-business-users-for-applications/revoke"),
    ("get", "/v1/private/me"),
    ("get", "/v1/business-units/find?name=shop.example"),
    ("get", "/v1/private/business-units/0123456789abcdef01234567/reviews"),
    ("get", "/v1/private/reviews/0123456789abcdef01234567"),
    ("post", "/v1/private/reviews/0123456789abcdef01234567/reply"),
    ("get", "/_control/faults"),
    ("post", "/_control/reset"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_every_sandbox_url_answers_404_while_the_sandbox_is_off(client, method, path):
    response = getattr(client, method)(BASE + path, headers={"apikey": API_KEY})

    assert response.status_code == 404


def test_the_switch_is_read_per_request(client):
    with override_settings(TRUSTDESK_SANDBOX=True):
        on = client.get(BASE + "/_control/faults", headers=control_headers())
    off = client.get(BASE + "/_control/faults", headers=control_headers())

    assert on.status_code == 200
    assert off.status_code == 404
