"""The Zendesk sandbox's /_control endpoints answer only a caller holding TRUSTDESK_SANDBOX_CONTROL_TOKEN."""

from __future__ import annotations

import pytest
from django.test import Client

from sandbox.control import CONTROL_HEADER, control_headers
from sandbox.zendesk import faults
from sandbox.zendesk.models import SandboxZendesk
from sandbox.zendesk.seed import zendesk_sandbox_seed
from sandbox.zendesk.urls import urlpatterns

pytestmark = pytest.mark.django_db

BASE = "/sandbox/zendesk/acme/_control"
CALLS = [
    ("get", "/faults", {}),
    ("post", "/fail_next", {"status": 503, "count": 4}),
    ("post", "/latency", {"latency_ms": 300}),
    ("post", "/validate_token", {"unavailable": True}),
    ("post", "/unused_restrictions", {"empty": True}),
    ("get", "/reported_errors", {}),
    ("get", "/pushes", {}),
    ("post", "/push_invalid", {"status": 422}),
    ("post", "/reset", {}),
]
WRONG = [{}, {CONTROL_HEADER: ""}, {CONTROL_HEADER: "not-the-token"}]


@pytest.fixture
def acme(settings):
    settings.TRUSTDESK_SANDBOX = True
    zendesk_sandbox_seed(subdomain="acme")
    return SandboxZendesk.objects.get(subdomain="acme")


def state(zendesk: SandboxZendesk) -> dict[str, int | bool]:
    zendesk.refresh_from_db()
    return faults.faults_as_dict(zendesk)


def test_the_calls_cover_every_control_route():
    routes = {str(pattern.pattern) for pattern in urlpatterns if str(pattern.pattern).startswith("_control/")}
    assert routes == {f"_control{path}" for _, path, _ in CALLS}


@pytest.mark.parametrize("headers", WRONG, ids=["missing", "empty", "wrong"])
def test_every_control_endpoint_refuses_a_missing_or_wrong_token_and_changes_nothing(acme, headers):
    faults.faults_fail_next(acme, status=429, count=1, retry_after=3)
    before = state(acme)

    for method, path, body in CALLS:
        response = getattr(Client(), method)(BASE + path, body, content_type="application/json", headers=headers)

        assert response.status_code == 403, path
        assert response.json()["error"] == "Forbidden"
        assert "X-Sandbox-Control-Token" in response.json()["description"]
    assert state(acme) == before


def test_the_right_token_opens_every_control_endpoint(acme):
    seen = []
    for method, path, body in CALLS:
        response = getattr(Client(), method)(
            BASE + path, body, content_type="application/json", headers=control_headers()
        )
        assert response.status_code == 200, (path, response.content)
        seen.append(state(acme))

    assert seen[1]["fail_next"] == 4
    assert seen[2]["latency_ms"] == 300
    assert seen[-1]["fail_next"] == 0
