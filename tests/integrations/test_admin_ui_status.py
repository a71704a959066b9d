"""admin_ui's status endpoint, which the connect step polls when the sign-in popup has lost its opener."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import SetupSession
from integrations.services.setup import session_start
from reviews.models import TrustpilotAccount
from tests.integrations.test_admin_ui import PUSH_TOKEN, RETURN_URL, connected_session, text, zendesk_post

pytestmark = pytest.mark.django_db


def status(key: str):
    return Client().get("/zendesk/admin_ui/status", {"session": key})


def test_a_session_before_the_sign_in_is_not_connected():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")

    response = status(session.key)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"connected": False}


def test_a_session_whose_sign_in_came_back_is_connected():
    session = connected_session()

    response = status(session.key)

    assert response.status_code == 200
    assert response.json() == {"connected": True}


def test_an_account_that_needs_signing_in_again_is_not_connected():
    session = connected_session()
    TrustpilotAccount.objects.update(status=TrustpilotAccount.Status.NEEDS_REAUTHORIZATION)

    assert status(session.key).json() == {"connected": False}


@pytest.mark.parametrize(
    "change",
    [{"expires_at": timezone.now() - timedelta(seconds=1)}, {"completed_at": timezone.now()}],
    ids=["expired", "used"],
)
def test_an_expired_or_used_session_is_not_found(change):
    session = connected_session()
    SetupSession.objects.filter(pk=session.pk).update(**change)

    response = status(session.key)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "connected" not in response.json()


@pytest.mark.parametrize("query", [{"session": "made-up"}, {}], ids=["unknown", "missing"])
def test_an_unknown_or_missing_session_key_is_not_found(query):
    response = Client().get("/zendesk/admin_ui/status", query)

    assert response.status_code == 404
    assert "connected" not in response.json()


def test_the_answer_holds_the_flag_and_no_secret():
    session = connected_session(instance_push_id="push-123", push_token=PUSH_TOKEN)

    response = status(session.key)

    body = text(response)
    assert response.json() == {"connected": True}
    for secret in (PUSH_TOKEN, session.key, session.trustpilot_account.access_token.reveal(), "push-123", "unit-shop"):
        assert secret not in body
    assert not response.cookies


def test_the_answer_is_never_cached_nor_framed_elsewhere():
    session = connected_session()

    for response in (status(session.key), status("made-up")):
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "same-origin"
        assert "default-src 'none'" in response["Content-Security-Policy"]
        assert "frame-ancestors https://*.zendesk.com" in response["Content-Security-Policy"]


def test_the_connect_step_may_poll_its_own_status_and_nothing_else():
    response = zendesk_post(zendesk_access_token=PUSH_TOKEN)
    session = SetupSession.objects.get()

    policy = response["Content-Security-Policy"]
    status_url = unescape(re.search(r'data-status="([^"]+)"', text(response)).group(1))
    assert status_url == f"/zendesk/admin_ui/status?session={session.key}"
    assert "connect-src 'self';" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors https://*.zendesk.com" in policy
    assert re.search(r"script-src 'nonce-[^']+';", policy)
    assert "fetch(status" in text(response)
