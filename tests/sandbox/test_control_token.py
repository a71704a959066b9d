"""The Trustpilot sandbox's /_control endpoints answer only a caller holding TRUSTDESK_SANDBOX_CONTROL_TOKEN."""

from __future__ import annotations

import pytest
from django.test import Client

from sandbox.control import CONTROL_HEADER, control_headers
from sandbox.trustpilot import faults
from sandbox.trustpilot.models import Faults, Review
from tests.sandbox import factories
from tests.sandbox.helpers import BASE, FAULTS_URL, RESET_URL

pytestmark = pytest.mark.django_db

WRONG = [{}, {CONTROL_HEADER: ""}, {CONTROL_HEADER: "not-the-token"}]


@pytest.fixture
def review(sandbox_on):
    return factories.ReviewFactory(business_unit=factories.BusinessUnitFactory())


def calls(review: Review) -> list[tuple[str, str, dict[str, object]]]:
    moderation = f"{BASE}/_control/reviews/{review.id}"
    return [
        ("get", FAULTS_URL, {}),
        ("post", FAULTS_URL, {"latency_ms": 5, "fail_next": 2, "expire_tokens": True}),
        ("post", RESET_URL, {}),
        ("get", moderation, {}),
        ("post", moderation, {"removed": True, "status": "reported"}),
    ]


@pytest.mark.parametrize("headers", WRONG, ids=["missing", "empty", "wrong"])
def test_every_control_endpoint_refuses_a_missing_or_wrong_token_and_changes_nothing(review, headers):
    faults.faults_set(fail_next=1, latency_ms=0)

    for method, url, body in calls(review):
        response = getattr(Client(), method)(url, body, content_type="application/json", headers=headers)

        assert response.status_code == 403, url
        assert response.json()["errorCode"] == 1005
        assert "X-Sandbox-Control-Token" in response.json()["message"]
        assert set(response.json()) == {"message", "errorCode", "details", "correlationId"}
    current = Faults.objects.get()
    assert (current.fail_next, current.latency_ms) == (1, 0)
    review.refresh_from_db()
    assert (review.removed, review.status) == (False, "active")


def test_the_right_token_opens_every_control_endpoint(review):
    for method, url, body in calls(review):
        response = getattr(Client(), method)(url, body, content_type="application/json", headers=control_headers())

        assert response.status_code == 200, (url, response.content)
    review.refresh_from_db()
    assert (review.removed, review.status) == (True, "reported")


def test_the_token_is_the_setting_read_per_request(review, settings):
    settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN = "rotated-token"

    assert Client().get(FAULTS_URL, headers={CONTROL_HEADER: "rotated-token"}).status_code == 200
    assert Client().get(FAULTS_URL, headers=control_headers()).status_code == 200
    settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN = ""
    assert Client().get(FAULTS_URL, headers={CONTROL_HEADER: ""}).status_code == 403
