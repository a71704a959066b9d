"""Injected failures and latency through /_control, per subdomain."""

from __future__ import annotations

import time

import pytest
import requests

from sandbox.zendesk.models import SandboxZendesk
from sandbox.zendesk.seed import zendesk_sandbox_seed
from tests.zendesk_sandbox.helpers import TIMEOUT, control, get

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = "/api/v2/custom_roles.json"


def test_fail_next_answers_503_with_retry_after_then_normally(live_zendesk):
    set_up = control(live_zendesk, "fail_next", {"status": 503, "count": 1, "retry_after": 2})

    failed, normal = get(live_zendesk, ROLES), get(live_zendesk, ROLES)

    assert set_up.status_code == 200
    assert set_up.json()["fail_next"] == 1
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == "2"
    assert failed.json()["error"] == "ServiceUnavailable"
    assert normal.status_code == 200


def test_fail_next_counts_down_across_endpoints_with_429(live_zendesk):
    control(live_zendesk, "fail_next", {"status": 429, "count": 2, "retry_after": 7})

    answers = [get(live_zendesk, path) for path in (ROLES, "/api/v2/groups.json", ROLES)]

    assert [answer.status_code for answer in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert SandboxZendesk.objects.get(subdomain="acme").fail_next == 0


@pytest.mark.parametrize(("body", "retry_after"), [({"status": 429}, "1"), ({"status": 429, "retry_after": 0}, "0")])
def test_a_429_always_carries_retry_after(live_zendesk, body, retry_after):
    control(live_zendesk, "fail_next", body)

    limited = get(live_zendesk, "/api/v2/users.json")

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == retry_after
    assert limited.json() == {
        "error": "APIRateLimitExceeded",
        "description": "Number of allowed API requests per minute exceeded (injected by the sandbox)",
    }


def test_a_failure_without_retry_after_sends_no_header(live_zendesk):
    control(live_zendesk, "fail_next", {"status": 500})

    failed = get(live_zendesk, ROLES)

    assert failed.status_code == 500
    assert "Retry-After" not in failed.headers


def test_faults_belong_to_one_subdomain(live_zendesk):
    globex = zendesk_sandbox_seed(subdomain="globex")
    control(live_zendesk, "fail_next", {"status": 502, "count": 5})

    other = requests.get(
        live_zendesk.base_url.replace("/acme", "/globex") + ROLES,
        auth=(f"{globex.api_user}/token", globex.api_token),
        timeout=TIMEOUT,
    )
    own = get(live_zendesk, ROLES)

    assert (other.status_code, own.status_code) == (200, 502)


def test_reset_turns_faults_off(live_zendesk):
    control(live_zendesk, "fail_next", {"status": 503, "count": 3})
    control(live_zendesk, "latency", {"latency_ms": 500})

    reset = control(live_zendesk, "reset")

    assert reset.status_code == 200
    assert reset.json() == {
        "latency_ms": 0,
        "fail_next": 0,
        "status": 503,
        "retry_after": 0,
        "validate_token_unavailable": False,
        "unused_restrictions_empty": False,
        "push_invalid_status": 400,
    }
    assert get(live_zendesk, ROLES).status_code == 200


def test_latency_slows_every_api_answer(live_zendesk):
    control(live_zendesk, "latency", {"latency_ms": 200})

    began = time.monotonic()
    response = get(live_zendesk, ROLES)

    assert response.status_code == 200
    assert time.monotonic() - began >= 0.2


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("fail_next", {"status": 418}),
        ("fail_next", {"count": -1}),
        ("fail_next", {"count": True}),
        ("fail_next", {"retry_after": "2"}),
        ("fail_next", {"statuz": 503}),
        ("latency", {"latency_ms": "slow"}),
        ("latency", {}),
    ],
)
def test_control_refuses_bad_settings_with_400(live_zendesk, action, body):
    response = control(live_zendesk, action, body)

    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"
