"""admin_ui steps without Trustpilot: the session key, the domains step, the finish page, the sign-in's state."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from integrations.metadata import instance_from
from integrations.models import ChannelInstance, SetupSession
from integrations.services.setup import session_start
from integrations.views.admin_ui.trustpilot import STATE_SALT, state_for
from reviews.models import SyncRun
from tests import factories
from tests.integrations.test_admin_ui import PUSH_TOKEN, RETURN_URL, choose, connected_session, finish_fields, text

pytestmark = pytest.mark.django_db


# --- Session key ----------------------------------------------------------------------------------


def test_an_expired_session_shows_a_page_asking_to_reopen_the_account():
    session = connected_session()
    SetupSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    for response in (Client().get("/zendesk/admin_ui/domains", {"session": session.key}), choose(session)):
        assert response.status_code == 403
        assert "This page has expired" in text(response)
        assert "open the account again from Zendesk" in text(response)
    assert not ChannelInstance.objects.exists()


def test_an_unknown_session_key_shows_the_expired_page():
    response = Client().get("/zendesk/admin_ui/connect", {"session": "made-up"})

    assert response.status_code == 403
    assert "This page has expired" in text(response)


def test_a_post_without_the_session_key_in_its_body_is_refused():
    session = connected_session()

    response = Client().post(
        f"/zendesk/admin_ui/domains?session={session.key}",
        {"name": "Trustpilot", "domains": ["unit-shop"], "days": "30"},
    )

    assert response.status_code == 403
    assert "Request refused" in text(response)
    assert not ChannelInstance.objects.exists()


def test_a_session_is_spent_by_its_save():
    session = connected_session()

    first = choose(session)
    again = choose(session)

    assert first.status_code == 200
    assert again.status_code == 403
    assert ChannelInstance.objects.count() == 1


def test_the_domains_step_is_not_shown_before_trustpilot_is_connected():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")

    response = Client().get("/zendesk/admin_ui/domains", {"session": session.key})

    assert response.status_code == 200
    assert "/zendesk/admin_ui/connect?session=" in text(response)
    assert 'name="domains"' not in text(response)


# --- Domains step and finish ------------------------------------------------------------------------


def test_the_domains_step_offers_each_business_unit_and_the_sync_options():
    session = connected_session()

    response = Client().get("/zendesk/admin_ui/domains", {"session": session.key})

    body = text(response)
    assert response.status_code == 200
    assert 'value="Trustpilot — Demo Business"' in body
    assert 'name="domains" value="unit-shop"' in body and "Demo Shop" in body and "shop.example" in body
    assert 'name="domains" value="unit-boutique"' in body and "Boutique Démo" in body
    assert 'name="sync_unanswered"' in body
    assert re.findall(r'<option value="(\d+)"', body) == ["7", "30", "90", "365"]
    assert '<option value="30" selected>' in body
    assert f'<input type="hidden" name="session" value="{session.key}">' in body


def test_the_name_zendesk_sent_is_the_default_account_name():
    session = connected_session(name="Reviews of the shop")

    response = Client().get("/zendesk/admin_ui/domains", {"session": session.key})

    assert 'value="Reviews of the shop"' in text(response)


def test_choosing_no_domain_is_a_form_error():
    session = connected_session()

    response = choose(session, domains=[])

    assert response.status_code == 200
    assert "Choose at least one domain." in text(response)
    assert not ChannelInstance.objects.exists()
    assert SetupSession.objects.get().completed_at is None


def test_a_business_unit_that_was_not_offered_is_a_form_error():
    session = connected_session()

    response = choose(session, domains=["unit-of-someone-else"])

    assert "Select a valid choice" in text(response)
    assert not ChannelInstance.objects.exists()


def test_saving_creates_the_instance_and_ends_with_the_auto_submitting_form():
    session = connected_session(instance_push_id="push-123", push_token=PUSH_TOKEN)

    response = choose(session, domains=["unit-shop", "unit-boutique"], sync_unanswered="on", days="90")

    assert response.status_code == 200
    fields = finish_fields(text(response))
    instance = instance_from(fields["metadata"])
    assert fields == {"action": RETURN_URL, "name": "Trustpilot — Demo", "metadata": fields["metadata"], "state": ""}
    assert 'document.getElementById("finish").submit()' in text(response)
    assert "Continue to Zendesk" in text(response)
    assert instance.zendesk_account.subdomain == "acme"
    assert (instance.name, instance.status, instance.locale) == ("Trustpilot — Demo", "active", "en-US")
    assert instance.trustpilot_account == session.trustpilot_account
    assert (instance.sync_unanswered, instance.sync_unanswered_days) == (True, 90)
    assert instance.instance_push_id == "push-123"
    assert instance.push_token.reveal() == PUSH_TOKEN
    assert PUSH_TOKEN not in text(response)
    assert sorted(instance.domains.values_list("name", flat=True)) == ["boutique.example", "shop.example"]
    runs = SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL)
    assert sorted(runs.values_list("domain__name", flat=True)) == ["boutique.example", "shop.example"]
    assert {run.requested_by for run in runs} == {"Zendesk admin of acme"}
    assert all(timedelta(days=89) < run.period_end - run.period_start <= timedelta(days=90) for run in runs)
    session.refresh_from_db()
    assert session.completed_at is not None and session.instance == instance
    assert session.push_token is None


def test_saving_without_sync_starts_no_backfill():
    session = connected_session()

    choose(session)

    assert ChannelInstance.objects.get().sync_unanswered is False
    assert not SyncRun.objects.exists()


def test_the_pull_cursor_zendesk_sent_goes_back_unchanged():
    session = connected_session()

    response = choose(session, state="1234")

    assert finish_fields(text(response))["state"] == "1234"


def test_a_state_that_is_not_a_cursor_is_not_echoed():
    session = connected_session()

    response = choose(session, state='"><script>')

    assert finish_fields(text(response))["state"] == ""


# --- Trustpilot sign-in (no exchange) ---------------------------------------------------------------


def test_connect_sends_the_browser_to_trustpilot_with_a_signed_state(settings):
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")

    response = Client().get("/zendesk/admin_ui/connect", {"session": session.key, "state": "77"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == settings.TRUSTPILOT_AUTHORIZE_URL
    assert query["redirect_uri"] == ["https://trustdesk.test/zendesk/admin_ui/callback"]
    assert query["response_type"] == ["code"]
    signed = signing.TimestampSigner(salt=STATE_SALT).unsign_object(query["state"][0], max_age=3600)
    assert signed == {"session": session.key, "state": "77"}
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_tampered_state_is_refused():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")
    state = state_for(session, "")

    response = Client().get("/zendesk/admin_ui/callback", {"code": "abc", "state": state[:-3] + "xyz"})

    assert response.status_code == 400
    assert "This sign-in link is not valid" in text(response)
    assert "click Connect Trustpilot again in Zendesk" in text(response)
    assert SetupSession.objects.get().trustpilot_account is None


def test_an_expired_state_offers_to_start_again():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 3600):
        state = state_for(session, "")

    response = Client().get("/zendesk/admin_ui/callback", {"code": "abc", "state": state})

    assert response.status_code == 400
    assert "This sign-in link has expired" in text(response)
    assert f'href="/zendesk/admin_ui/connect?session={session.key}">Start again</a>' in text(response)


def test_a_refused_sign_in_says_so_with_a_way_back():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="fr-FR")

    response = Client().get("/zendesk/admin_ui/callback", {"error": "access_denied", "state": state_for(session, "5")})

    assert response.status_code == 403
    assert "La connexion à Trustpilot a été refusée" in text(response)
    assert f'href="/zendesk/admin_ui/connect?session={session.key}&amp;state=5">Réessayer</a>' in text(response)
    assert SetupSession.objects.get().trustpilot_account is None


def test_saving_an_edit_keeps_the_outbox_counter_and_takes_the_new_push_token():
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme", push_token="old-token")
    session = connected_session(instance=instance, instance_push_id="push-new", push_token=PUSH_TOKEN)
    ChannelInstance.objects.filter(pk=instance.pk).update(last_sequence=42)  # the outbox, meanwhile

    response = choose(session, name="Renamed")

    assert response.status_code == 200
    instance.refresh_from_db()
    assert (instance.name, instance.last_sequence, instance.instance_push_id) == ("Renamed", 42, "push-new")
    assert instance.push_token.reveal() == PUSH_TOKEN
    assert ChannelInstance.objects.count() == 1
