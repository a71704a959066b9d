"""admin_ui pages without Trustpilot: Zendesk's POST, the session key, the domains step, the finish page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from integrations.metadata import metadata_for
from integrations.models import SetupSession
from integrations.services.setup import session_start
from tests import factories

pytestmark = pytest.mark.django_db

RETURN_URL = "https://acme.zendesk.com/zendesk/channels/integration_service_instances/editor_finalizer"
UNITS = [
    {"id": "unit-shop", "name": "shop.example", "display_name": "Demo Shop"},
    {"id": "unit-boutique", "name": "boutique.example", "display_name": "Boutique Démo"},
]
PUSH_TOKEN = "zendesk-push-token-do-not-show-0123456789"


def zendesk_post(**fields: str):
    form = {"name": "", "metadata": "", "state": "", "return_url": RETURN_URL, "subdomain": "acme", "locale": "en-US"}
    return Client().post("/zendesk/admin_ui", {**form, **fields})


def connected_session(**fields) -> SetupSession:
    """A setup session whose admin already signed in to Trustpilot."""
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US", **fields)
    session.trustpilot_account = factories.TrustpilotAccountFactory(name="Demo Business")
    session.business_units = UNITS
    session.save()
    return session


def choose(session: SetupSession, **fields):
    form = {"session": session.key, "name": "Trustpilot — Demo", "domains": ["unit-shop"], "days": "30"}
    return Client().post("/zendesk/admin_ui/domains", {**form, **fields})


def finish_fields(html: str) -> dict[str, str]:
    action = re.search(r'<form id="finish" method="post" action="([^"]*)"', html)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert action is not None
    return {"action": unescape(action.group(1)), **{key: unescape(value) for key, value in fields.items()}}


def text(response) -> str:
    return response.content.decode()


# --- Zendesk's POST -----------------------------------------------------------------------------


def test_zendesk_opens_the_connect_step_and_a_one_hour_session():
    response = zendesk_post()

    assert response.status_code == 200
    session = SetupSession.objects.get()
    assert (session.subdomain, session.return_url, session.locale) == ("acme", RETURN_URL, "en-US")
    assert session.instance is None
    assert timedelta(minutes=59) < session.expires_at - timezone.now() <= timedelta(hours=1)
    assert len(session.key) >= 43
    assert f'href="/zendesk/admin_ui/connect?session={session.key}"' in text(response)
    assert "Connect Trustpilot" in text(response)
    assert 'target="_blank"' in text(response)
    assert "window.open(" in text(response)


def test_the_push_token_is_stored_encrypted_and_never_shown():
    response = zendesk_post(instance_push_id="push-123", zendesk_access_token=PUSH_TOKEN)

    session = SetupSession.objects.get()
    assert session.instance_push_id == "push-123"
    assert session.push_token.reveal() == PUSH_TOKEN
    with connection.cursor() as cursor:
        cursor.execute("SELECT push_token FROM integrations_setupsession WHERE id = %s", [session.pk])
        (stored,) = cursor.fetchone()
    assert stored and PUSH_TOKEN not in stored
    assert PUSH_TOKEN not in text(response)


@pytest.mark.parametrize(
    "return_url",
    [
        "https://evil.example/zendesk/return",
        "https://acme.zendesk.com.evil.example/return",
        "https://acme.zendesk.com@evil.example/return",
        "https://evil.example\\.zendesk.com/return",
        "https://zendesk.com/return",
        "javascript:alert(1)//acme.zendesk.com",
        "/relative/return",
        "https://acme.zendesk.com:99999/return",
    ],
)
def test_a_return_url_off_the_zendesk_hosts_is_refused(return_url):
    response = zendesk_post(return_url=return_url)

    assert response.status_code == 400
    assert "return address" in text(response)
    assert not SetupSession.objects.exists()


def test_an_http_return_url_is_refused_unless_debug_or_loopback(settings):
    http_url = "http://acme.zendesk.com/zendesk/return"

    refused = zendesk_post(return_url=http_url)
    settings.DEBUG = True
    allowed_in_debug = zendesk_post(return_url=http_url)
    settings.DEBUG = False
    settings.ZENDESK_RETURN_URL_HOSTS = ["*.zendesk.com", "127.0.0.1"]
    loopback = zendesk_post(return_url="http://127.0.0.1:8123/zendesk/return")

    assert refused.status_code == 400
    assert "must use https" in text(refused)
    assert (allowed_in_debug.status_code, loopback.status_code) == (200, 200)


def test_return_url_hosts_match_case_insensitively_with_wildcards(settings):
    settings.ZENDESK_RETURN_URL_HOSTS = ["*.ZenDesk.com", "zendesk.test"]

    assert zendesk_post(return_url="https://ACME.zendesk.COM/return").status_code == 200
    assert zendesk_post(return_url="https://zendesk.test/return").status_code == 200
    assert zendesk_post(return_url="https://other.test/return").status_code == 400


@pytest.mark.parametrize("subdomain", ["", "acme.evil", "ac me", "-acme", "<script>"])
def test_a_missing_or_odd_subdomain_is_refused(subdomain):
    response = zendesk_post(subdomain=subdomain)

    assert response.status_code == 400
    assert "subdomain" in text(response)
    assert "<script>" not in text(response)


def test_forged_metadata_is_refused_with_401():
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme")
    forged = metadata_for(instance)[:-2] + "xx"

    response = zendesk_post(metadata=forged, name=instance.name)

    assert response.status_code == 401
    assert "TrustDesk does not recognise this account" in text(response)
    assert not SetupSession.objects.exists()


def test_metadata_of_another_zendesk_account_is_refused():
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="other")

    response = zendesk_post(metadata=metadata_for(instance))

    assert response.status_code == 401


def test_editing_an_instance_whose_trustpilot_account_is_gone_asks_to_connect_again():
    instance = factories.ChannelInstanceFactory(zendesk_account__subdomain="acme", trustpilot_account=None)

    response = zendesk_post(metadata=metadata_for(instance), name=instance.name, state="42")

    assert response.status_code == 200
    session = SetupSession.objects.get()
    assert session.instance == instance
    assert f'href="/zendesk/admin_ui/connect?session={session.key}&amp;state=42"' in text(response)


def test_get_on_admin_ui_explains_it_opens_from_zendesk():
    response = Client().get("/zendesk/admin_ui")

    assert response.status_code == 405
    assert "Open this page from Zendesk" in text(response)


# --- Headers, escaping, languages ---------------------------------------------------------------


def test_every_page_allows_framing_by_zendesk_only():
    session = connected_session()
    pages = [
        zendesk_post(),
        zendesk_post(return_url="https://evil.example/"),
        Client().get("/zendesk/admin_ui/domains", {"session": session.key}),
        Client().get("/zendesk/admin_ui/domains", {"session": "unknown"}),
        choose(session),
        Client().get("/zendesk/about"),
    ]

    for response in pages:
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors https://*.zendesk.com" in policy
        assert "default-src 'none'" in policy
        assert "X-Frame-Options" not in response
        assert response["Referrer-Policy"] == "same-origin"


def test_frame_ancestors_follow_the_configured_hosts(settings):
    settings.ZENDESK_RETURN_URL_HOSTS = ["*.zendesk.com", "acme-*.zendesk.com", "localhost", "bad host;"]

    policy = Client().get("/zendesk/about")["Content-Security-Policy"]

    assert "frame-ancestors https://*.zendesk.com http://localhost:* https://localhost:*" in policy


def test_inline_scripts_carry_the_pages_nonce():
    response = zendesk_post()

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", text(response))
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert zendesk_post()["Content-Security-Policy"] != response["Content-Security-Policy"]


@pytest.mark.parametrize("locale", ["fr", "fr-FR", "fr-CA", "FR_be"])
def test_french_locales_get_french_pages(locale):
    start = zendesk_post(locale=locale)
    session = SetupSession.objects.get()
    session.trustpilot_account = factories.TrustpilotAccountFactory(name="Demo Business")
    session.business_units = UNITS
    session.save()
    domains = Client().get("/zendesk/admin_ui/domains", {"session": session.key})
    error = choose(session, domains=[])

    assert start["Content-Language"] == "fr"
    assert '<html lang="fr">' in text(start)
    assert "Connecter Trustpilot" in text(start)
    assert "Connect Trustpilot" not in text(start)
    assert "Choisir les domaines" in text(domains)
    assert "Synchroniser les avis sans réponse" in text(domains)
    assert "30 derniers jours" in text(domains)
    assert "Choisissez au moins un domaine." in text(error)


@pytest.mark.parametrize("locale", ["en-US", "de", "", "french"])
def test_other_locales_get_english_pages(locale):
    response = zendesk_post(locale=locale)

    assert response["Content-Language"] == "en"
    assert "Connect Trustpilot" in text(response)


def test_a_refused_zendesk_request_is_explained_in_french_too():
    response = zendesk_post(locale="fr-FR", return_url="http://acme.zendesk.com/return")

    assert response.status_code == 400
    assert "doit utiliser https" in text(response)


def test_values_with_quotes_and_script_are_escaped_everywhere():
    hostile = '"><script>alert(1)</script>'
    session = connected_session(name=hostile)
    session.business_units = [{"id": "u1", "name": f"shop{hostile}", "display_name": hostile}]
    session.return_url = f'{RETURN_URL}?a="b"&c=<script>'
    session.save()

    domains = Client().get("/zendesk/admin_ui/domains", {"session": session.key})
    finish = choose(session, name=hostile, domains=["u1"])

    for response in (domains, finish):
        assert "<script>alert(1)" not in text(response)
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text(domains)
    fields = finish_fields(text(finish))
    assert fields["action"] == session.return_url
    assert fields["name"] == hostile
    assert 'action="https://acme.zendesk.com/zendesk/channels/' in text(finish)
    assert "?a=&quot;b&quot;&amp;c=&lt;script&gt;" in text(finish)


# --- About -----------------------------------------------------------------------------------------


def test_the_about_page_is_public_in_english_and_french():
    english = Client().get("/zendesk/about")
    french = Client().get("/zendesk/about", {"locale": "fr"})

    assert english.status_code == french.status_code == 200
    assert "About TrustDesk" in text(english)
    assert "À propos de TrustDesk" in text(french)
    assert french["Content-Language"] == "fr"
