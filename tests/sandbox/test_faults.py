"""Injected faults and limits, set through the model helpers and over HTTP at /_control."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.control import control_headers
from sandbox.trustpilot import faults, oauth
from sandbox.trustpilot.auth import API_KEY
from sandbox.trustpilot.models import Faults, RateCounter, Review
from tests.sandbox import factories
from tests.sandbox.helpers import BASE, FAULTS_URL, RESET_URL, basic_auth, reviews_url

pytestmark = pytest.mark.django_db

ME_URL = BASE + "/v1/private/me"
DEFAULTS = {
    "latency_ms": 0,
    "fail_next": 0,
    "fail_status": 503,
    "retry_after": 0,
    "rate_limit_per_minute": 0,
    "access_token_lifetime": 360_000,
    "refresh_token_lifetime": 2_592_000,
    "new_review_every_seconds": 0,
    "echo_state": True,
    "strict_opener_policy": False,
    "send_app_enduser": True,
    "unit_listing": "named",
    "forbidden_unit": "",
    "reformat_replies": False,
    "send_retry_after": True,
    "webhook_batches": True,
    "webhook_deleted_id_only": False,
    "webhook_consumer_display_name": False,
}


def control(body: dict[str, object]):
    return Client().post(FAULTS_URL, body, content_type="application/json", headers=control_headers())


def test_faults_are_all_off_by_default(sandbox_on):
    response = Client().get(FAULTS_URL, headers=control_headers())

    assert response.status_code == 200
    assert response.json() == DEFAULTS


def test_latency_delays_every_v1_answer(api):
    faults.faults_set(latency_ms=150)

    began = time.monotonic()
    response = api.get(ME_URL)

    assert response.status_code == 200
    assert time.monotonic() - began >= 0.15


def test_fail_next_fails_that_many_calls_with_429_and_retry_after(api):
    response = control({"fail_next": 2, "fail_status": 429, "retry_after": 7})
    assert response.status_code == 200
    assert response.json()["fail_next"] == 2

    first, second, third = (api.get(ME_URL) for _ in range(3))

    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first["Retry-After"] == "7"
    assert first.json()["errorCode"] == 1008
    assert Faults.objects.get().fail_next == 0


def test_fail_next_with_503_sends_retry_after_only_when_set(api):
    faults.faults_set(fail_next=2, fail_status=503, retry_after=0)

    without = api.get(ME_URL)
    faults.faults_set(retry_after=3)
    with_header = api.get(ME_URL)

    assert without.status_code == 503
    assert "Retry-After" not in without
    assert with_header.status_code == 503
    assert with_header["Retry-After"] == "3"


def test_a_500_never_carries_retry_after(api):
    faults.faults_set(fail_next=1, fail_status=500, retry_after=5)

    response = api.get(ME_URL)

    assert response.status_code == 500
    assert "Retry-After" not in response


def test_fail_next_also_hits_the_token_endpoint_but_not_the_controls(tokens):
    faults.faults_set(fail_next=1, fail_status=502)

    assert Client().get(FAULTS_URL, headers=control_headers()).status_code == 200
    response = Client().post(
        BASE + "/v1/oauth/oauth-business-users-for-applications/accesstoken",
        {"grant_type": "refresh_token", "refresh_token": tokens.refresh.value},
    )

    assert response.status_code == 502
    assert Faults.objects.get().fail_next == 0


def test_expire_tokens_makes_current_access_tokens_fail_with_401(api, tokens):
    response = control({"expire_tokens": True})

    assert response.status_code == 200
    assert response.json()["expired_tokens"] == 1
    assert api.get(ME_URL).status_code == 401
    refreshed = Client().post(
        BASE + "/v1/oauth/oauth-business-users-for-applications/refresh",
        {"refresh_token": tokens.refresh.value},
        headers={"Authorization": basic_auth()},
    )
    assert refreshed.status_code == 200


def test_the_rate_limit_answers_429_until_the_next_minute(api, monkeypatch):
    now = datetime(2024, 1, 31, 13, 37, 45, tzinfo=UTC)
    monkeypatch.setattr(faults, "timezone", SimpleNamespace(now=lambda: now))
    faults.faults_set(rate_limit_per_minute=3)

    answers = [api.get(ME_URL) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[3]["Retry-After"] == "15"
    assert answers[3].json()["errorCode"] == 1007
    assert RateCounter.objects.get().calls == 3


def test_a_new_minute_starts_a_new_count(api, monkeypatch):
    clock = {"now": datetime(2024, 1, 31, 13, 37, 59, tzinfo=UTC)}
    monkeypatch.setattr(faults, "timezone", SimpleNamespace(now=lambda: clock["now"]))
    faults.faults_set(rate_limit_per_minute=1)

    first, limited = api.get(ME_URL), api.get(ME_URL)
    clock["now"] += timedelta(seconds=1)
    next_minute = api.get(ME_URL)

    assert (first.status_code, limited.status_code, next_minute.status_code) == (200, 429, 200)
    assert limited["Retry-After"] == "1"


def test_token_lifetimes_follow_the_settings(demo):
    faults.faults_set(access_token_lifetime=60, refresh_token_lifetime=120)
    tokens = oauth.tokens_issue(user=demo.user, api_key=API_KEY)

    assert tokens.access.expires_at - tokens.access.issued_at == timedelta(seconds=60)
    assert tokens.refresh.expires_at - tokens.refresh.issued_at == timedelta(seconds=120)


def test_new_reviews_arrive_one_per_interval_since_the_newest(api, unit):
    newest = factories.ReviewFactory(business_unit=unit, created_at=timezone.now() - timedelta(seconds=105))
    faults.faults_set(new_review_every_seconds=10)

    response = api.get(reviews_url(unit.id), {"perPage": 100})

    assert response.status_code == 200
    assert len(response.json()["reviews"]) == 11
    arrived = Review.objects.exclude(pk=newest.pk).order_by("created_at")
    assert [review.created_at - newest.created_at for review in arrived] == [
        timedelta(seconds=10 * step) for step in range(1, 11)
    ]
    assert all(not review.has_reply for review in arrived)
    assert api.get(reviews_url(unit.id)).status_code == 200
    assert Review.objects.count() == 11


def test_at_most_50_reviews_arrive_at_once(api, unit):
    factories.ReviewFactory(business_unit=unit, created_at=timezone.now() - timedelta(days=1))
    faults.faults_set(new_review_every_seconds=1)

    api.get(reviews_url(unit.id))

    assert Review.objects.count() == 51
    newest = Review.objects.order_by("-created_at").first()
    assert timezone.now() - newest.created_at < timedelta(seconds=5)


@pytest.mark.parametrize(
    "body",
    [
        {"fail_status": 404},
        {"latency_ms": -1},
        {"latency_ms": "10"},
        {"fail_next": True},
        {"surprise": 1},
        {"echo_state": 0},
        {"strict_opener_policy": "true"},
        {"send_app_enduser": None},
        {"unit_listing": "nameless"},
        {"unit_listing": True},
    ],
)
def test_the_control_refuses_bad_settings(sandbox_on, body):
    response = control(body)

    assert response.status_code == 400
    assert Faults.objects.get_or_create(pk=1)[0].fail_status == 503


def test_the_control_refuses_a_body_that_is_not_json(sandbox_on):
    response = Client().post(
        FAULTS_URL, "latency_ms=5", content_type="application/x-www-form-urlencoded", headers=control_headers()
    )

    assert response.status_code == 400


def test_reset_turns_every_fault_off(sandbox_on):
    faults.faults_set(latency_ms=10, fail_next=3, rate_limit_per_minute=5, new_review_every_seconds=2)
    faults.faults_set(echo_state=False, strict_opener_policy=True, send_app_enduser=False, unit_listing="no_me")

    response = Client().post(RESET_URL, headers=control_headers())

    assert response.status_code == 200
    assert response.json() == DEFAULTS
    assert faults.faults_as_dict(Faults.objects.get()) == DEFAULTS
