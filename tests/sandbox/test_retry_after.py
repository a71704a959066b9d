"""Retry-After on the sandbox's 429s, and the switch that plays a Trustpilot sending none (docs/trustpilot.md §6.2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sandbox.trustpilot import faults
from sandbox.trustpilot.errors import ApiError
from tests.sandbox.helpers import BASE

pytestmark = pytest.mark.django_db

ME_URL = BASE + "/v1/private/me"


def test_an_injected_429_says_one_second_when_no_retry_after_is_set(api):
    faults.faults_set(fail_next=1, fail_status=429)

    response = api.get(ME_URL)

    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert response.json()["errorCode"] == 1008


def test_an_injected_429_sends_the_retry_after_set(api):
    faults.faults_set(fail_next=1, fail_status=429, retry_after=9)

    assert api.get(ME_URL)["Retry-After"] == "9"


def test_with_send_retry_after_off_no_429_carries_it(api, monkeypatch):
    faults.faults_set(fail_next=1, fail_status=429, retry_after=9, rate_limit_per_minute=1, send_retry_after=False)
    monkeypatch.setattr(faults.timezone, "now", lambda: datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC))

    injected, allowed, limited = (api.get(ME_URL) for _ in range(3))

    assert (injected.status_code, allowed.status_code, limited.status_code) == (429, 200, 429)
    assert "Retry-After" not in injected
    assert "Retry-After" not in limited
    assert limited.json()["errorCode"] == 1007


def test_send_retry_after_leaves_a_503_as_retry_after_says(api):
    faults.faults_set(fail_next=2, fail_status=503, retry_after=4, send_retry_after=False)

    assert api.get(ME_URL)["Retry-After"] == "4"
    faults.faults_set(retry_after=0, send_retry_after=True)
    assert "Retry-After" not in api.get(ME_URL)


def test_send_retry_after_is_a_switch():
    assert faults.parse_changes({"send_retry_after": False}) == {"send_retry_after": False}
    with pytest.raises(ApiError) as refused:
        faults.parse_changes({"send_retry_after": "no"})
    assert refused.value.status == 400
    assert refused.value.message == "send_retry_after must be true or false"
