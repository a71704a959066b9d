"""admin_ui pages without Trustpilot: Zendesk's POST, the session key, the domains step, the finish page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from integrations.app_address import account_for_app
from integrations.metadata import metadata_for
from integrations.models import SetupSession, TrustpilotSignIn
from integrations.services.setup import session_start
from integrations.services.sign_in import _hash as code_hash
from integrations.services.sign_in import tokens_to_json
from reviews.trustpilot.types import TokenSet
from tests import factories
from tests.zendesk_requests import admin_ui_path, keyed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("zendesk_unreachable")]

RETURN_URL = "https://acme.zendesk.com/zendesk/channels/integration_service_instances/editor_finalizer"
UNITS = [
    {"id": "unit-shop", "name": "shop.example", "display_name": "Demo Shop"},
    {"id": "unit-boutique", "name": "boutique.example", "display_name": "Boutique Démo"},
]
PUSH_TOKEN = "zendesk-push-token-do-not-show-0123456789"


def about_path() -> str:
    return keyed("about", account_for_app("acme"))


def zendesk_post(**fields: str):
    form = {"name": "", "metadata": "", "state": "", "return_url": RETURN_URL, "subdomain": "acme", "locale": "en-US"}
    data = {**form, **fields}
    return Client().post(admin_ui_path(data["subdomain"]), data)


def connected_session(**fields) -> SetupSession:
    """A setup session whose admin already signed in to Trustpilot and claimed the grant."""
    session = session_start(subdomain="acme", return_url=RETURN_URL, locale="en-US", **fields)
    session.trustpilot_account = factories.TrustpilotAccountFactory(name="Demo Business")
    session.business_units = UNITS
    session.save()
    return session


CLAIM_CODE, SHORT_CODE = "claim-code-0123456789abcdefghijklmnopqrstuvwxyz", "ABCD2345"


def grant_waiting(session: SetupSession, *, units=UNITS, listed: bool = True, user_id: str = "bu-demo") -> None:
    """What the sign-in window's callback leaves behind: a grant for `session`, claimable with CLAIM_CODE
    (handed to the opener) or SHORT_CODE (typed by the admin)."""
    tokens = TokenSet(
        access_token="tpa-waiting",
        refresh_token="tpr-waiting",
        access_expires_at=timezone.now() + timedelta(hours=100),
        refresh_expires_at=timezone.now() + timedelta(days=30),
    )
    TrustpilotSignIn.objects.create(
        session=session,
        nonce=f"nonce-{session.pk}-{TrustpilotSignIn.objects.count()}",
        expires_at=timezone.now() + timedelta(minutes=30),
        signed_in_at=timezone.now(),
        tokens=tokens_to_json(tokens),
        business_user={"id": user_id, "name": "Demo Business", "email": "owner@shop.example"},
        business_units=units,
        units_listed=listed,
        claim_code_hash=code_hash(CLAIM_CODE),
        short_code_hash=code_hash(SHORT_CODE),
    )


def claim(session: SetupSession, code: str = CLAIM_CODE, *, key: str | None = None, client: Client | None = None):
    return (client or Client()).post("/zendesk/admin_ui/claim", {"session": key or session.key, "code": code})


def domains_for(session: SetupSession, **grant):
    """The domains step, as the setup page reaches it: by claiming its sign-in's grant. Returns the page and
    the session with its new key."""
    grant_waiting(session, **grant)
    response = claim(session)
    assert response.status_code == 200, text(response)
    return response, SetupSession.objects.get(pk=session.pk)


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
    assert len(session.key) >= 43 and len(session.sign_in_key) >= 43
    assert f'href="/zendesk/admin_ui/connect?setup={session.sign_in_key}"' in text(response)
    assert f'<input type="hidden" name="session" value="{session.key}">' in text(response)
    assert f"?session={session.key}" not in text(response)  # the setup key never travels in a URL
    assert "Connect Trustpilot" in text(response)
    assert "Zendesk account: <strong>acme.zendesk.com</strong>" in text(response)
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
        "https://other.zendesk.com/zendesk/channels/integration_service_instances/editor_finalizer",
        "https://acmeother.zendesk.com/return",
    ],
)
def test_a_return_url_off_the_zendesk_hosts_is_refused(return_url):
    response = zendesk_post(return_url=return_url)

    assert response.status_code == 400
    assert "return address" in text(response)
    assert not SetupSession.objects.exists()


def test_a_return_url_on_another_zendesk_account_names_the_account_it_must_be_on():
    response = zendesk_post(return_url="https://evil.zendesk.com/zendesk/channels/return")

    assert response.status_code == 400
    assert "not on the Zendesk account acme.zendesk.com" in text(response)
    assert not SetupSession.objects.exists()


def test_an_http_return_url_is_refused_unless_debug_or_loopback(settings):
    http_url = "http://acme.zendesk.com/zendesk/return"

    refused = zendesk_post(return_url=http_url)
    settings.DEBUG = True
    allowed_in_debug = zendesk_post(return_url=http_url)
    settings.DEBUG = False
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.zendesk.com", "{subdomain}.localhost"]
    loopback = zendesk_post(return_url="http://acme.localhost:8123/zendesk/return")
    other_loopback = zendesk_post(return_url="http://evil.localhost:8123/zendesk/return")

    assert refused.status_code == 400
    assert "must use https" in text(refused)
    assert (allowed_in_debug.status_code, loopback.status_code, other_loopback.status_code) == (200, 200, 400)


def test_return_url_hosts_match_case_insensitively_with_wildcards(settings):
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.ZenDesk.com", "{subdomain}.zendesk-*.test"]

    assert zendesk_post(return_url="https://ACME.zendesk.COM/return").status_code == 200
    assert zendesk_post(return_url="https://acme.zendesk-staging.test/return").status_code == 200
    assert zendesk_post(return_url="https://evil.zendesk-staging.test/return").status_code == 400
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
    assert f'href="/zendesk/admin_ui/connect?setup={session.sign_in_key}"' in text(response)
    assert session.cursor == "42"


def test_get_on_admin_ui_explains_it_opens_from_zendesk():
    response = Client().get(admin_ui_path())

    assert response.status_code == 405
    assert "Open this page from Zendesk" in text(response)


# --- Headers, escaping, languages ---------------------------------------------------------------


def test_a_setups_pages_may_be_framed_by_its_own_zendesk_account_only():
    session = connected_session()
    grant_waiting(session)
    pages = [zendesk_post(), claim(session), choose(SetupSession.objects.get(pk=session.pk), domains=[])]

    for response in pages:
        policy = response["Content-Security-Policy"]
        assert "frame-ancestors https://acme.zendesk.com;" in policy + ";"
        assert "default-src 'none'" in policy
        assert "X-Frame-Options" not in response
        assert response["Referrer-Policy"] == "same-origin"


def test_pages_of_no_known_setup_may_be_framed_by_zendesk_only():
    pages = [
        zendesk_post(return_url="https://evil.example/"),
        Client().post("/zendesk/admin_ui/domains", {"session": "unknown"}),
        Client().get(about_path()),
    ]

    for response in pages:
        assert "frame-ancestors https://*.zendesk.com" in response["Content-Security-Policy"]
        assert "X-Frame-Options" not in response


def test_frame_ancestors_follow_the_configured_hosts(settings):
    settings.ZENDESK_RETURN_URL_HOSTS = [
        "{subdomain}.zendesk.com",
        "{subdomain}-*.zendesk.com",
        "{subdomain}.localhost",
    ]

    policy = Client().get(about_path())["Content-Security-Policy"]
    own = zendesk_post(return_url="http://acme.localhost:8123/return")["Content-Security-Policy"]

    assert "frame-ancestors https://*.zendesk.com http://*.localhost:* https://*.localhost:*" in policy
    assert "frame-ancestors https://acme.zendesk.com https://*.zendesk.com http://acme.localhost:*" in own


def test_inline_scripts_carry_the_pages_nonce():
    response = zendesk_post()

    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", text(response))
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert zendesk_post()["Content-Security-Policy"] != response["Content-Security-Policy"]


@pytest.mark.parametrize("locale", ["fr", "fr-FR", "fr-CA", "FR_be"])
def test_french_locales_get_french_pages(locale):
    start = zendesk_post(locale=locale)
    domains, session = domains_for(SetupSession.objects.get())
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

    domains, session = domains_for(session, units=session.business_units)
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
    english = Client().get(about_path())
    french = Client().get(about_path(), {"locale": "fr"})

    assert english.status_code == french.status_code == 200
    assert "About TrustDesk" in text(english)
    assert "À propos de TrustDesk" in text(french)
    assert french["Content-Language"] == "fr"


# --- Zendesk's push token ----------------------------------------------------------------------------


@pytest.fixture
def zendesk_sandbox(live_zendesk):
    from sandbox.zendesk.push_tokens import push_token_issue

    return push_token_issue(live_zendesk.subdomain, "push-123")


@pytest.mark.django_db(transaction=True)
def test_a_push_token_zendesk_confirms_opens_the_setup(zendesk_sandbox):
    response = zendesk_post(instance_push_id="push-123", zendesk_access_token=zendesk_sandbox)

    assert response.status_code == 200
    assert SetupSession.objects.get().push_token.reveal() == zendesk_sandbox


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("push_id", ["push-123", "push-of-another-instance"])
def test_a_push_token_zendesk_calls_invalid_is_refused_and_opens_nothing(zendesk_sandbox, push_id):
    token = "forged-token" if push_id == "push-123" else zendesk_sandbox

    response = zendesk_post(instance_push_id=push_id, zendesk_access_token=token)

    assert response.status_code == 403
    assert "Zendesk did not confirm this request" in text(response)
    assert token not in text(response)
    assert not SetupSession.objects.exists()


def test_a_zendesk_that_cannot_be_reached_does_not_block_the_setup():
    # zendesk_unreachable: Zendesk's API is a closed loopback port.
    response = zendesk_post(instance_push_id="push-123", zendesk_access_token=PUSH_TOKEN)

    assert response.status_code == 200
    assert SetupSession.objects.exists()


# --- Stale setups -------------------------------------------------------------------------------------


def test_the_periodic_task_deletes_expired_and_spent_setups_with_their_grants():
    from integrations.tasks import delete_stale_setups

    open_one, expired, spent = (connected_session() for _ in range(3))
    for session in (open_one, expired, spent):
        grant_waiting(session)
    SetupSession.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    SetupSession.objects.filter(pk=spent.pk).update(completed_at=timezone.now())

    delete_stale_setups.delay()

    assert list(SetupSession.objects.values_list("pk", flat=True)) == [open_one.pk]
    assert list(TrustpilotSignIn.objects.values_list("session", flat=True)) == [open_one.pk]


def test_deleting_stale_setups_runs_on_beat(settings):
    assert settings.CELERY_BEAT_SCHEDULE["delete-stale-setups"]["task"] == "integrations.delete_stale_setups"


@pytest.mark.django_db(transaction=True)
def test_a_zendesk_whose_validate_token_is_down_does_not_block_the_setup(zendesk_sandbox):
    from sandbox.zendesk.faults import faults_validate_token
    from sandbox.zendesk.models import SandboxZendesk

    faults_validate_token(SandboxZendesk.objects.get(subdomain="acme"), unavailable=True)

    response = zendesk_post(instance_push_id="push-123", zendesk_access_token="any-token-while-zendesk-is-down")

    assert response.status_code == 200
    assert SetupSession.objects.exists()
