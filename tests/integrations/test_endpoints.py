"""manifest, clickthrough and healthcheck."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.zendesk_requests import keyed
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return factories.ZendeskAccountFactory(subdomain="acme")


def test_the_manifest_lists_absolute_https_urls_under_the_accounts_app_address(settings, account):
    response = Client().get(keyed("manifest", account))

    assert response.status_code == 200
    manifest = response.json()
    validate("manifest.json", manifest)
    assert manifest["name"] == "Trustpilot"
    assert (manifest["create_followup_tickets"], manifest["channelback_files"]) == (True, False)
    address = f"https://trustdesk.test/zendesk/a/{account.url_secret.reveal()}/"
    assert manifest["urls"]["pull_url"] == f"https://trustdesk.test{keyed('pull', account)}"
    assert manifest["urls"]["pull_url"] == f"{address}pull"
    assert all(url.startswith(address) for url in manifest["urls"].values())
    assert "push_client_id" not in manifest


def test_the_manifest_names_the_push_client_when_configured(settings, account):
    settings.ZENDESK_PUSH_CLIENT_ID = "trustdesk_push"

    manifest = Client().get(keyed("manifest", account)).json()

    validate("manifest.json", manifest)
    assert manifest["push_client_id"] == "trustdesk_push"


def test_clickthrough_redirects_to_the_review_on_trustpilot(account):
    review = factories.ReviewFactory(trustpilot_id="5f0c2b8e9d1a4c0012345678")
    factories.ChannelInstanceFactory(zendesk_account=account).domains.add(review.domain)

    for external_id in (f"tp-review-{review.trustpilot_id}", f"tp-reply-{review.trustpilot_id}-12"):
        response = Client().get(keyed("clickthrough", account), {"external_id": external_id})

        assert response.status_code == 302
        assert response["Location"] == "https://www.trustpilot.com/reviews/5f0c2b8e9d1a4c0012345678"
        assert response["Referrer-Policy"] == "no-referrer"  # the clickthrough address holds the secret


def test_clickthrough_opens_no_review_of_another_accounts_domains(account):
    review = factories.ReviewFactory(trustpilot_id="5f0c2b8e9d1a4c0012345678")
    factories.ChannelInstanceFactory().domains.add(review.domain)  # another Zendesk account's instance
    factories.ReviewFactory(trustpilot_id="5f0c2b8e9d1a4c0087654321")  # a domain no instance covers

    for review_id in ("5f0c2b8e9d1a4c0012345678", "5f0c2b8e9d1a4c0087654321"):
        response = Client().get(keyed("clickthrough", account), {"external_id": f"tp-review-{review_id}"})

        assert response.status_code == 404
        assert "Location" not in response


@pytest.mark.parametrize(
    "external_id", ["tp-review-000000000000000000000000", "https://evil.example/", "tp-review-../../x"]
)
def test_clickthrough_of_an_unknown_id_is_404_never_a_redirect(account, external_id):
    response = Client().get(keyed("clickthrough", account), {"external_id": external_id})

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": f"No review is known for external_id {external_id!r}"}
    assert "Location" not in response


@pytest.mark.parametrize("query", [{"external_id": ""}, {}])
def test_clickthrough_without_an_external_id_is_400_never_a_redirect(account, query):
    response = Client().get(keyed("clickthrough", account), query)

    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": "'external_id' is required"}
    assert "Location" not in response


def test_the_accounts_healthcheck_answers_get_and_head_with_its_detail(settings, account):
    settings.CELERY_BROKER_URL = ""
    factories.DomainFactory(last_successful_poll_at=None)

    response = Client().get(keyed("healthcheck", account))
    head = Client().head(keyed("healthcheck", account))

    assert response.status_code == head.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "in-process",
        "last_successful_poll_age_seconds": None,
    }


def test_the_accounts_healthcheck_reports_the_age_of_its_own_oldest_successful_poll(account):
    own = factories.DomainFactory(last_successful_poll_at=timezone.now() - timedelta(minutes=3))
    factories.ChannelInstanceFactory(zendesk_account=account).domains.add(own)
    factories.DomainFactory(last_successful_poll_at=timezone.now() - timedelta(hours=5))  # on no instance
    factories.ChannelInstanceFactory().domains.add(factories.DomainFactory(last_successful_poll_at=None))

    age = Client().get(keyed("healthcheck", account)).json()["last_successful_poll_age_seconds"]

    assert 170 <= age <= 200


def test_the_plain_healthcheck_answers_get_and_head_with_only_its_status(settings):
    settings.CELERY_BROKER_URL = ""
    factories.DomainFactory(last_successful_poll_at=timezone.now() - timedelta(minutes=3))

    response = Client().get("/zendesk/healthcheck")
    head = Client().head("/zendesk/healthcheck")

    assert response.status_code == head.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("view", ["pull", "channelback", "event_callback"])
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("garbage", "text/plain"),
        ("{not json", "application/json"),
        ("\xff\xfe=\x00", "application/x-www-form-urlencoded"),
    ],
)
def test_garbled_bodies_get_a_json_4xx_never_a_500(account, view, body, content_type):
    response = Client().post(keyed(view, account), data=body, content_type=content_type)

    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]


def database_down(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.parametrize("method", ["get", "head"])
def test_the_accounts_healthcheck_answers_503_when_the_database_is_down(account, method):
    path = keyed("healthcheck", account)

    with connection.execute_wrapper(database_down):
        response = getattr(Client(), method)(path)

    assert response.status_code == 503
    if method == "get":
        assert response.json()["error"] == "unavailable"


@pytest.mark.parametrize("view", ["pull", "channelback", "event_callback"])
def test_a_database_outage_is_a_503_zendesk_retries_never_a_500(account, view):
    path = keyed(view, account)
    body = {"events": []} if view == "event_callback" else {"metadata": "{}", "state": ""}

    with connection.execute_wrapper(database_down):
        response = Client().post(path, json.dumps(body), content_type="application/json")

    assert response.status_code == 503
    assert response.json() == {
        "error": "unavailable",
        "message": "TrustDesk cannot reach its database right now; try again shortly.",
    }
