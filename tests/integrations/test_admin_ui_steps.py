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
from integrations.services.sign_in import sign_in_start
from integrations.views.admin_ui.trustpilot import COOKIE, COOKIE_SALT, STATE_SALT, state_for
from reviews.models import SyncRun
from tests import factories
from tests.integrations.test_admin_ui import (
    PUSH_TOKEN,
    RETURN_URL,
    choose,
    claim,
    connected_session,
    domains_for,
    finish_fields,
    text,
    zendesk_post,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zendesk_unreachable")]


# --- Session key ----------------------------------------------------------------------------------


def test_an_expired_session_shows_a_page_asking_to_reopen_the_account():
    session = connected_session()
    SetupSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    for response in (claim(session), choose(session)):
        assert response.status_code == 403
        assert "This page has expired" in text(response)
        assert "open the account again from Zendesk" in text(response)
    assert not ChannelInstance.objects.exists()


def test_an_unknown_sign_in_key_shows_the_expired_window():
    response = Client().get("/zendesk/admin_ui/connect", {"setup": "made-up"})

    assert response.status_code == 403
    assert "This sign-in window has expired" in text(response)


def test_the_setup_key_does_not_open_a_sign_in():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")

    response = Client().get("/zendesk/admin_ui/connect", {"setup": session.key})

    assert response.status_code == 403


def test_the_domains_step_cannot_be_opened_by_a_link():
    session = connected_session()

    response = Client().get("/zendesk/admin_ui/domains", {"session": session.key})

    assert response.status_code == 405
    assert "Open this page from Zendesk" in text(response)
    assert 'name="domains"' not in text(response)


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

    response = Client().post("/zendesk/admin_ui/domains", {"session": session.key, "name": "x", "domains": ["a"]})

    assert response.status_code == 200
    assert f"/zendesk/admin_ui/connect?setup={session.sign_in_key}" in text(response)
    assert 'name="domains"' not in text(response)
    assert not ChannelInstance.objects.exists()


# --- Domains step and finish ------------------------------------------------------------------------


def test_the_domains_step_offers_each_business_unit_and_the_sync_options():
    response, session = domains_for(session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US"))

    body = text(response)
    assert response.status_code == 200
    assert 'value="Trustpilot — Demo Business"' in body
    assert "Zendesk account: <strong>acme.zendesk.com</strong>" in body
    assert 'name="typed"' not in body  # Trustpilot listed the units: nothing to type
    assert 'name="domains" value="unit-shop"' in body and "Demo Shop" in body and "shop.example" in body
    assert 'name="domains" value="unit-boutique"' in body and "Boutique Démo" in body
    assert 'name="sync_unanswered"' in body
    assert re.findall(r'<option value="(\d+)"', body) == ["7", "30", "90", "365"]
    assert '<option value="30" selected>' in body
    assert f'<input type="hidden" name="session" value="{session.key}">' in body


def test_the_name_zendesk_sent_is_the_default_account_name():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US", name="Reviews of the shop")

    response, _ = domains_for(session)

    assert 'value="Reviews of the shop"' in text(response)


def test_choosing_no_domain_is_a_form_error():
    session = connected_session()

    response = choose(session, domains=[])

    assert response.status_code == 400
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
    session = connected_session(cursor="1234")

    response = choose(session, state="999")  # a cursor in the form is ignored: Zendesk's is kept

    assert finish_fields(text(response))["state"] == "1234"


def test_a_state_that_is_not_a_cursor_is_not_echoed():
    zendesk_post(state='"><script>')

    assert SetupSession.objects.get().cursor == ""


# --- Trustpilot sign-in (no exchange) ---------------------------------------------------------------


def test_connect_sends_the_browser_to_trustpilot_with_a_signed_state_and_a_first_party_cookie(settings):
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")

    response = Client().get("/zendesk/admin_ui/connect", {"setup": session.sign_in_key})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == settings.TRUSTPILOT_AUTHORIZE_URL
    assert query["redirect_uri"] == ["https://trustdesk.test/zendesk/admin_ui/callback"]
    assert query["response_type"] == ["code"]
    sign_in = session.sign_ins.get()
    assert signing.TimestampSigner(salt=STATE_SALT).unsign_object(query["state"][0], max_age=1800) == {
        "n": sign_in.nonce
    }
    assert session.key not in response["Location"] and session.sign_in_key not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    cookie = response.cookies[COOKIE]
    assert signing.TimestampSigner(salt=COOKIE_SALT).unsign(cookie.value, max_age=1800) == sign_in.nonce
    assert (cookie["path"], cookie["samesite"], cookie["httponly"]) == ("/zendesk/admin_ui/callback", "Lax", True)
    assert cookie["max-age"] == 1800
    assert timedelta(minutes=29) < sign_in.expires_at - timezone.now() <= timedelta(minutes=30)


def test_each_click_opens_its_own_sign_in():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")

    for _ in range(2):
        Client().get("/zendesk/admin_ui/connect", {"setup": session.sign_in_key})

    assert len(set(session.sign_ins.values_list("nonce", flat=True))) == 2


def test_a_tampered_state_is_refused():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")
    state = state_for(sign_in_start(sign_in_key=session.sign_in_key))

    response = Client().get("/zendesk/admin_ui/callback", {"code": "abc", "state": state[:-3] + "xyz"})

    assert response.status_code == 400
    assert "This sign-in cannot be matched to a setup" in text(response)
    assert "Nothing was connected" in text(response)
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert SetupSession.objects.get().trustpilot_account is None


def test_a_callback_with_neither_state_nor_cookie_is_refused():
    response = Client().get("/zendesk/admin_ui/callback", {"code": "abc"})

    assert response.status_code == 400
    assert "This sign-in cannot be matched to a setup" in text(response)


def test_an_expired_state_offers_to_start_again():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")
    sign_in = sign_in_start(sign_in_key=session.sign_in_key)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 3600):
        state = state_for(sign_in)

    response = Client().get("/zendesk/admin_ui/callback", {"code": "abc", "state": state})

    assert response.status_code == 400
    assert "This sign-in link has expired" in text(response)
    assert f'href="/zendesk/admin_ui/connect?setup={session.sign_in_key}">Start again</a>' in text(response)


def test_a_refused_sign_in_says_so_with_a_way_back():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="fr-FR")
    sign_in = sign_in_start(sign_in_key=session.sign_in_key)

    response = Client().get("/zendesk/admin_ui/callback", {"error": "access_denied", "state": state_for(sign_in)})

    assert response.status_code == 403
    assert "La connexion à Trustpilot a été refusée" in text(response)
    assert f'href="/zendesk/admin_ui/connect?setup={session.sign_in_key}">Réessayer</a>' in text(response)
    assert SetupSession.objects.get().trustpilot_account is None


def test_a_sign_in_of_a_setup_already_saved_is_refused():
    session = connected_session()
    sign_in = sign_in_start(sign_in_key=session.sign_in_key)
    choose(session)

    response = Client().get("/zendesk/admin_ui/callback", {"code": "abc", "state": state_for(sign_in)})

    assert response.status_code == 403
    assert "This sign-in window has expired" in text(response)


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


def test_a_forged_sign_in_cookie_is_refused():
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")
    sign_in = sign_in_start(sign_in_key=session.sign_in_key)
    window = Client()
    window.cookies[COOKIE] = sign_in.nonce  # the nonce alone, unsigned

    response = window.get("/zendesk/admin_ui/callback", {"code": "abc"})

    assert response.status_code == 400
    assert "This sign-in cannot be matched to a setup" in text(response)
    assert response.cookies[COOKIE]["max-age"] == 0  # spent either way


def test_one_setup_opens_a_bounded_number_of_sign_ins():
    from integrations.services.sign_in import MAX_SIGN_INS

    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US")
    answers = [
        Client().get("/zendesk/admin_ui/connect", {"setup": session.sign_in_key}) for _ in range(MAX_SIGN_INS + 1)
    ]

    assert [answer.status_code for answer in answers] == [302] * MAX_SIGN_INS + [403]
    assert session.sign_ins.count() == MAX_SIGN_INS
