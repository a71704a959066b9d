"""The Zendesk sandbox exists only while TRUSTDESK_SANDBOX is on, checked on every request."""

from __future__ import annotations

import pytest
import requests

from sandbox.control import control_headers
from sandbox.zendesk import seed_content as ids
from tests.zendesk_sandbox.helpers import TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)

PATHS = [
    ("get", "/api/v2/custom_roles"),
    ("get", "/api/v2/custom_roles.json"),
    ("get", "/api/v2/groups.json"),
    ("get", f"/api/v2/users/{ids.USER_ADMIN}.json"),
    ("get", f"/api/v2/users/{ids.USER_ADMIN}/group_memberships.json"),
    ("get", f"/api/v2/apps/installations/{ids.INSTALLATION_ID}.json"),
    ("put", f"/api/v2/apps/installations/{ids.INSTALLATION_ID}.json"),
    ("delete", f"/api/v2/apps/installations/{ids.INSTALLATION_ID}.json"),
    ("get", "/api/v2/groups/1.json"),
    ("get", "/api/v2/users.json"),
    ("get", "/api/v2/tickets.json"),
    ("post", "/api/v2/tickets.json"),
    ("get", "/api/v2/tickets/1.json"),
    ("get", "/api/v2/tickets/1/comments.json"),
    ("put", "/api/v2/tickets/1.json"),
    ("get", "/api/v2/macros.json"),
    ("post", "/api/v2/any_channel/validate_token"),
    ("post", "/api/v2/any_channel/validate_token.json"),
    ("get", "/_control/faults"),
    ("post", "/_control/fail_next"),
    ("post", "/_control/latency"),
    ("post", "/_control/validate_token"),
    ("post", "/_control/reset"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_every_url_answers_404_while_the_sandbox_is_off(live_zendesk, settings, method, path):
    settings.TRUSTDESK_SANDBOX = False

    response = requests.request(method, live_zendesk.base_url + path, auth=live_zendesk.auth, json={}, timeout=TIMEOUT)

    assert response.status_code == 404


def test_the_switch_is_read_per_request(live_zendesk, settings):
    on = requests.get(live_zendesk.base_url + "/_control/faults", headers=control_headers(), timeout=TIMEOUT)
    settings.TRUSTDESK_SANDBOX = False
    off = requests.get(live_zendesk.base_url + "/_control/faults", headers=control_headers(), timeout=TIMEOUT)

    assert (on.status_code, off.status_code) == (200, 404)
