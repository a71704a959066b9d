"""manifest, clickthrough and healthcheck."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db


def test_the_manifest_lists_absolute_https_urls_under_the_public_url(settings):
    response = Client().get("/zendesk/manifest.json")

    assert response.status_code == 200
    manifest = response.json()
    validate("manifest.json", manifest)
    assert manifest["name"] == "Trustpilot"
    assert (manifest["create_followup_tickets"], manifest["channelback_files"]) == (True, False)
    assert manifest["urls"]["pull_url"] == "https://trustdesk.test/zendesk/pull"
    assert all(url.startswith("https://trustdesk.test/zendesk/") for url in manifest["urls"].values())
    assert "push_client_id" not in manifest


def test_the_manifest_names_the_push_client_when_configured(settings):
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk_push"

    manifest = Client().get("/zendesk/manifest.json").json()

    validate("manifest.json", manifest)
    assert manifest["push_client_id"] == "trustdesk_push"


def test_clickthrough_redirects_to_the_review_on_trustpilot():
    review = factories.ReviewFactory(trustpilot_id="5f0c2b8e9d1a4c0012345678")

    for external_id in (f"tp-review-{review.trustpilot_id}", f"tp-reply-{review.trustpilot_id}-12"):
        response = Client().get("/zendesk/clickthrough", {"external_id": external_id})

        assert response.status_code == 302
        assert response["Location"] == "https://www.trustpilot.com/reviews/5f0c2b8e9d1a4c0012345678"


@pytest.mark.parametrize(
    "external_id", ["tp-review-000000000000000000000000", "https://evil.example/", "tp-review-../../x", ""]
)
def test_clickthrough_of_an_unknown_id_is_404_never_a_redirect(external_id):
    response = Client().get("/zendesk/clickthrough", {"external_id": external_id})

    assert response.status_code in (400, 404)
    assert "Location" not in response


def test_healthcheck_answers_get_and_head_without_authentication(settings):
    settings.CELERY_BROKER_URL = ""
    factories.DomainFactory(last_successful_poll_at=None)

    response = Client().get("/zendesk/healthcheck")
    head = Client().head("/zendesk/healthcheck")

    assert response.status_code == head.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "last_successful_poll_age_seconds": None,
    }


def test_healthcheck_reports_the_age_of_the_oldest_successful_poll():
    factories.DomainFactory(last_successful_poll_at=timezone.now() - timedelta(minutes=3))

    age = Client().get("/zendesk/healthcheck").json()["last_successful_poll_age_seconds"]

    assert 170 <= age <= 200


@pytest.mark.parametrize("url", ["/zendesk/pull", "/zendesk/channelback", "/zendesk/event_callback"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("garbage", "text/plain"),
        ("{not json", "application/json"),
        ("\xff\xfe=\x00", "application/x-www-form-urlencoded"),
    ],
)
def test_garbled_bodies_get_a_json_4xx_never_a_500(url, body, content_type):
    response = Client().post(url, data=body, content_type=content_type)

    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
