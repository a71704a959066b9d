"""Routes the sandbox does not have answer as Zendesk does: JSON, never Django's HTML page."""

from __future__ import annotations

import pytest
import requests

from sandbox.zendesk import seed_content as ids
from tests.zendesk_sandbox.helpers import TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)

INVALID_ENDPOINT = {"error": "InvalidEndpoint", "description": "Not found"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v2/macros.json"),
        ("get", "/api/v2/tickets/1/audits"),
        ("get", "/api/v2/tickets/abc.json"),
        ("post", "/api/v2/search/export"),
        ("get", "/api/v3/tickets.json"),
        ("get", "/"),
        ("delete", "/api/v2/groups.json"),
        ("post", f"/api/v2/users/{ids.USER_ADMIN}.json"),
        ("patch", "/api/v2/tickets/1.json"),
    ],
)
def test_a_route_or_method_zendesk_lacks_answers_its_json_404(live_zendesk, method, path):
    response = requests.request(method, live_zendesk.base_url + path, auth=live_zendesk.auth, json={}, timeout=TIMEOUT)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == INVALID_ENDPOINT


def test_an_unknown_route_answers_json_without_credentials_too(live_zendesk):
    response = requests.get(live_zendesk.base_url + "/api/v2/macros", timeout=TIMEOUT)

    assert (response.status_code, response.json()) == (404, INVALID_ENDPOINT)


def test_an_unknown_route_is_a_plain_404_while_the_sandbox_is_off(live_zendesk, settings):
    settings.TRUSTDESK_SANDBOX = False

    response = requests.get(live_zendesk.base_url + "/api/v2/macros.json", auth=live_zendesk.auth, timeout=TIMEOUT)

    assert response.status_code == 404
    assert "InvalidEndpoint" not in response.text
