"""admin_ui against the Trustpilot sandbox over real HTTP: sign-in, code exchange, create and edit flows."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from integrations.metadata import instance_from
from integrations.models import ChannelInstance, SetupSession
from reviews.models import Domain, SyncRun
from reviews.sandbox import faults, oauth, seed
from reviews.sandbox.auth import API_KEY
from tests.integrations.test_admin_ui import PUSH_TOKEN, RETURN_URL, finish_fields, text, zendesk_post

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "https://trustdesk.test/zendesk/admin_ui/callback"


@pytest.fixture
def demo(live_sandbox) -> seed.DemoAccount:
    return seed.demo_seed(reviews_per_unit=3)


def connect_location(page_html: str) -> str:
    """Follow the page's Connect Trustpilot link to TrustDesk, which answers with Trustpilot's sign-in URL."""
    link = unescape(re.search(r'href="(/zendesk/admin_ui/connect\?[^"]+)"', page_html).group(1))
    response = Client().get(link)
    assert response.status_code == 302
    return response["Location"]


def trustpilot_state(sign_in_url: str) -> str:
    return parse_qs(urlsplit(sign_in_url).query)["state"][0]


def sign_in_on_the_sandbox(sign_in_url: str, *, action: str = "allow") -> dict[str, str]:
    """Sign in on the sandbox's page as a person would; returns the query Trustpilot sends back."""
    with requests.Session() as browser:
        page = browser.get(sign_in_url, timeout=10)
        assert page.status_code == 200
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        form = {"csrfmiddlewaretoken": token, "email": seed.DEMO_EMAIL, "password": seed.DEMO_PASSWORD}
        answer = browser.post(sign_in_url, data={**form, "action": action}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"https://{location.netloc}{location.path}" == CALLBACK
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def unit_ids(demo: seed.DemoAccount) -> dict[str, str]:
    return {unit.identifying_name: unit.id for unit in demo.units}


def test_adding_an_account_end_to_end(demo):
    start = zendesk_post(instance_push_id="push-9", zendesk_access_token=PUSH_TOKEN)
    session = SetupSession.objects.get()

    back = sign_in_on_the_sandbox(connect_location(text(start)))
    connected = Client().get("/zendesk/admin_ui/callback", back)
    domains_link = unescape(re.search(r'href="(/zendesk/admin_ui/domains\?[^"]+)"', text(connected)).group(1))
    domains = Client().get(domains_link)
    ids = unit_ids(demo)
    finish = Client().post(
        "/zendesk/admin_ui/domains",
        {
            "session": session.key,
            "name": "Trustpilot — Demo Business",
            "domains": [ids["shop.example"], ids["boutique.example"]],
            "sync_unanswered": "on",
            "days": "30",
        },
    )

    assert connected.status_code == 200
    assert "Connected as Demo Business" in text(connected)
    assert "window.opener" in text(connected) and "postMessage" in text(connected)
    assert "acme" in text(connected)
    assert domains.status_code == 200
    for name in ("shop.example", "boutique.example", "outlet.example"):
        assert f'name="domains" value="{ids[name]}"' in text(domains)
    assert 'value="Trustpilot — Demo Business"' in text(domains)
    assert finish.status_code == 200
    fields = finish_fields(text(finish))
    instance = instance_from(fields["metadata"])
    assert (fields["action"], fields["name"], fields["state"]) == (RETURN_URL, "Trustpilot — Demo Business", "")
    assert instance.trustpilot_account.name == "Demo Business"
    assert instance.trustpilot_account.connected_by == "Zendesk admin of acme"
    assert sorted(instance.domains.values_list("name", flat=True)) == ["boutique.example", "shop.example"]
    assert instance.push_token.reveal() == PUSH_TOKEN
    backfills = SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL)
    assert sorted(backfills.values_list("domain__name", flat=True)) == ["boutique.example", "shop.example"]
    for response in (start, connected, domains, finish):
        assert PUSH_TOKEN not in text(response)


def test_editing_goes_straight_to_the_domains_step_prefilled_and_can_change_domains(channel, connected):
    instance = channel.instance
    instance.sync_unanswered, instance.sync_unanswered_days = True, 30
    instance.save()
    ids = {domain.name: domain.business_unit_id for domain in Domain.objects.all()}
    boutique_id = next(unit.id for unit in connected.sandbox.units if unit.identifying_name == "boutique.example")

    edit = zendesk_post(metadata=channel.metadata, name=instance.name, state="17")
    session = SetupSession.objects.get()
    finish = Client().post(
        "/zendesk/admin_ui/domains",
        {
            "session": session.key,
            "state": "17",
            "name": "Trustpilot — renamed",
            "domains": [ids["shop.example"], boutique_id],
            "sync_unanswered": "on",
            "days": "30",
        },
    )

    body = text(edit)
    assert edit.status_code == 200
    assert session.instance == instance
    assert 'href="/zendesk/admin_ui/connect' not in body  # no sign-in needed
    assert 'action="/zendesk/admin_ui/connect"' in body  # but reconnecting is offered
    assert f'value="{instance.name}"' in body
    assert f'name="domains" value="{ids["shop.example"]}" checked' in body
    assert f'name="domains" value="{boutique_id}">' in body
    assert 'name="sync_unanswered" value="on" checked' in body
    assert '<option value="30" selected>' in body
    fields = finish_fields(text(finish))
    assert instance_from(fields["metadata"]) == instance
    assert (fields["name"], fields["state"]) == ("Trustpilot — renamed", "17")
    assert ChannelInstance.objects.count() == 1
    instance.refresh_from_db()
    assert instance.name == "Trustpilot — renamed"
    assert sorted(instance.domains.values_list("name", flat=True)) == ["boutique.example", "shop.example"]
    # The sync already covered shop.example for 30 days: only the added domain is synced.
    backfills = SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL)
    assert list(backfills.values_list("domain__name", flat=True)) == ["boutique.example"]


def test_editing_can_remove_a_domain_and_start_a_longer_sync(channel, connected):
    ids = {domain.name: domain.business_unit_id for domain in Domain.objects.all()}
    zendesk_post(metadata=channel.metadata, name=channel.instance.name)
    session = SetupSession.objects.get()
    boutique_id = next(unit.id for unit in connected.sandbox.units if unit.identifying_name == "boutique.example")

    Client().post(
        "/zendesk/admin_ui/domains",
        {
            "session": session.key,
            "name": "Trustpilot",
            "domains": [boutique_id],
            "sync_unanswered": "on",
            "days": "365",
        },
    )

    instance = ChannelInstance.objects.get()
    assert list(instance.domains.values_list("name", flat=True)) == ["boutique.example"]
    assert ids["shop.example"] not in instance.domains.values_list("business_unit_id", flat=True)
    run = SyncRun.objects.get(kind=SyncRun.Kind.BACKFILL)
    assert run.domain.name == "boutique.example"
    assert (run.period_end - run.period_start).days == 365


def test_a_code_issued_for_the_callback_connects_the_account(demo):
    start = zendesk_post(locale="fr-FR")
    state = trustpilot_state(connect_location(text(start)))
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code

    response = Client().get("/zendesk/admin_ui/callback", {"code": code, "state": state})

    assert response.status_code == 200
    assert "Connecté en tant que Demo Business" in text(response)
    assert "Cet identifiant Trustpilot donne accès à 3 domaines." in text(response)
    session = SetupSession.objects.get()
    assert session.trustpilot_account.business_user_id == demo.user.id
    assert sorted(unit["name"] for unit in session.business_units) == [
        "boutique.example",
        "outlet.example",
        "shop.example",
    ]


def test_denying_access_on_trustpilot_shows_the_refusal_with_a_try_again_link(demo):
    start = zendesk_post()
    session = SetupSession.objects.get()

    back = sign_in_on_the_sandbox(connect_location(text(start)), action="deny")
    response = Client().get("/zendesk/admin_ui/callback", back)

    assert back["error"] == "access_denied"
    assert response.status_code == 403
    assert "The Trustpilot sign-in was refused" in text(response)
    assert f'href="/zendesk/admin_ui/connect?session={session.key}">Try again</a>' in text(response)
    assert SetupSession.objects.get().trustpilot_account is None


def test_trustpilot_down_during_the_exchange_is_a_clear_message_not_a_500(demo):
    start = zendesk_post()
    state = trustpilot_state(connect_location(text(start)))
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    faults.faults_set(fail_next=1, fail_status=503)

    response = Client().get("/zendesk/admin_ui/callback", {"code": code, "state": state})

    assert response.status_code == 502
    assert "Trustpilot is not answering right now" in text(response)
    assert ">Try again</a>" in text(response)
    assert SetupSession.objects.get().trustpilot_account is None


def test_a_code_used_twice_asks_to_sign_in_again(demo):
    start = zendesk_post()
    state = trustpilot_state(connect_location(text(start)))
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code

    first = Client().get("/zendesk/admin_ui/callback", {"code": code, "state": state})
    again = Client().get("/zendesk/admin_ui/callback", {"code": code, "state": state})

    assert first.status_code == 200
    assert again.status_code == 502
    assert "it may have been used already" in text(again)


def test_editing_while_trustpilot_is_down_offers_the_domains_trustdesk_knows(channel, connected):
    faults.faults_set(fail_next=10, fail_status=503)

    response = zendesk_post(metadata=channel.metadata, name=channel.instance.name)

    assert response.status_code == 200
    for domain in Domain.objects.all():
        assert f'name="domains" value="{domain.business_unit_id}"' in text(response)


def test_editing_an_instance_whose_trustpilot_account_needs_reauthorization_asks_to_sign_in(channel, connected):
    connected.account.status = connected.account.Status.NEEDS_REAUTHORIZATION
    connected.account.save()

    response = zendesk_post(metadata=channel.metadata, name=channel.instance.name)

    assert response.status_code == 200
    assert "The connection to Trustpilot no longer works" in text(response)
    assert 'href="/zendesk/admin_ui/connect?session=' in text(response)
