"""admin_ui against the Trustpilot sandbox over real HTTP: sign-in, code exchange, claim, create and edit flows."""

from __future__ import annotations

import pytest

from integrations.metadata import instance_from
from integrations.models import ChannelInstance, SetupSession, TrustpilotSignIn
from integrations.views.admin_ui.trustpilot import state_for
from reviews.models import Domain, SyncRun, TrustpilotAccount
from sandbox.trustpilot import faults, oauth, seed
from sandbox.trustpilot.auth import API_KEY
from tests.integrations.admin_ui_flow import CALLBACK, Setup, SignInWindow
from tests.integrations.test_admin_ui import PUSH_TOKEN, RETURN_URL, finish_fields, text, zendesk_post
from tests.zendesk_requests import ZendeskClient as Client  # posts form-encoded, as Zendesk does
from tests.zendesk_requests import keyed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zendesk_unreachable")]


@pytest.fixture
def demo(live_sandbox) -> seed.DemoAccount:
    return seed.demo_seed(reviews_per_unit=3)


def unit_ids(demo: seed.DemoAccount) -> dict[str, str]:
    return {unit.identifying_name: unit.id for unit in demo.units}


@pytest.mark.parametrize("handed_over", ["claim code from the window", "short code typed by the admin"])
def test_adding_an_account_end_to_end(demo, handed_over):
    setup = Setup().open(instance_push_id="push-9", zendesk_access_token=PUSH_TOKEN)
    first_key = setup.key

    signed_in = SignInWindow().sign_in(setup.sign_in_link)
    waiting = SetupSession.objects.get()
    setup.claim(signed_in.claim_code if handed_over.startswith("claim") else signed_in.short_code.lower())
    domains = setup.page
    ids = unit_ids(demo)
    setup.choose(
        name="Trustpilot — Demo Business",
        domains=[ids["shop.example"], ids["boutique.example"]],
        sync_unanswered="on",
    )

    assert signed_in.status == 200
    assert "Signed in to Trustpilot as Demo Business" in signed_in.page
    assert "Zendesk account <strong>acme.zendesk.com</strong>" in signed_in.page
    assert "Nothing is connected yet." in signed_in.page  # until the setup page claims it
    assert "window.opener" in signed_in.page and "postMessage" in signed_in.page
    assert waiting.trustpilot_account is None  # the callback connected nothing by itself
    assert "Zendesk account: <strong>acme.zendesk.com</strong>" in domains
    for name in ("shop.example", "boutique.example", "outlet.example"):
        assert f'name="domains" value="{ids[name]}"' in domains
    assert 'value="Trustpilot — Demo Business"' in domains
    assert first_key not in domains  # the claim replaced the setup key
    assert setup.status == 200
    fields = finish_fields(setup.page)
    instance = instance_from(fields["metadata"])
    assert (fields["action"], fields["name"], fields["state"]) == (RETURN_URL, "Trustpilot — Demo Business", "")
    assert instance.trustpilot_account.name == "Demo Business"
    assert instance.trustpilot_account.connected_by == "Zendesk admin of acme"
    assert sorted(instance.domains.values_list("name", flat=True)) == ["boutique.example", "shop.example"]
    assert instance.push_token.reveal() == PUSH_TOKEN
    backfills = SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL)
    assert sorted(backfills.values_list("domain__name", flat=True)) == ["boutique.example", "shop.example"]
    assert TrustpilotSignIn.objects.get().tokens is None  # claimed: the grant now lives on the account only
    for page in (domains, signed_in.page, setup.page):
        assert PUSH_TOKEN not in page


def test_editing_goes_straight_to_the_domains_step_prefilled_and_can_change_domains(channel, connected):
    instance = channel.instance
    instance.sync_unanswered, instance.sync_unanswered_days = True, 30
    instance.save()
    ids = {domain.name: domain.business_unit_id for domain in Domain.objects.all()}
    boutique_id = next(unit.id for unit in connected.sandbox.units if unit.identifying_name == "boutique.example")

    edit = zendesk_post(metadata=channel.metadata, name=instance.name, state="17")
    session = SetupSession.objects.get()
    assert session.cursor == "17"
    finish = Client().post(
        "/zendesk/admin_ui/domains",
        {
            "session": session.key,
            "name": "Trustpilot — renamed",
            "domains": [ids["shop.example"], boutique_id],
            "sync_unanswered": "on",
            "days": "30",
        },
    )

    body = text(edit)
    assert edit.status_code == 200
    assert session.instance == instance
    assert 'id="domains-form"' in body  # no sign-in needed
    assert f'href="/zendesk/admin_ui/connect?setup={session.sign_in_key}"' in body  # but reconnecting is offered
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


def test_the_callback_keeps_the_grant_unclaimed_and_shows_it_in_french(demo):
    setup = Setup().open(locale="fr-FR")
    window = SignInWindow()
    window.open(setup.sign_in_link)
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    state = latest_state()

    signed_in = window.come_back({"code": code, "state": state})

    assert signed_in.status == 200
    assert "Connecté à Trustpilot en tant que Demo Business" in signed_in.page
    assert "Rien n’est encore connecté." in signed_in.page
    session = SetupSession.objects.get()
    assert session.trustpilot_account is None
    grant = session.sign_ins.get()
    assert grant.signed_in_at is not None and grant.tokens is not None
    assert sorted(unit["name"] for unit in grant.business_units) == [
        "boutique.example",
        "outlet.example",
        "shop.example",
    ]
    assert not TrustpilotAccount.objects.exists()


def latest_state() -> str:
    """The state of the sign-in opened last."""
    return state_for(TrustpilotSignIn.objects.latest("pk"))


def test_denying_access_on_trustpilot_shows_the_refusal_with_a_try_again_link(demo):
    setup = Setup().open()
    session = SetupSession.objects.get()

    signed_in = SignInWindow().sign_in(setup.sign_in_link, action="deny")

    assert signed_in.status == 403
    assert "The Trustpilot sign-in was refused" in signed_in.page
    assert f'href="/zendesk/admin_ui/connect?setup={session.sign_in_key}">Try again</a>' in signed_in.page
    assert SetupSession.objects.get().trustpilot_account is None


def test_trustpilot_down_during_the_exchange_is_a_clear_message_not_a_500(demo):
    setup = Setup().open()
    window = SignInWindow()
    window.open(setup.sign_in_link)
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    faults.faults_set(fail_next=1, fail_status=503)

    signed_in = window.come_back({"code": code, "state": latest_state()})

    assert signed_in.status == 502
    assert "Trustpilot is not answering right now" in signed_in.page
    assert ">Try again</a>" in signed_in.page
    assert SetupSession.objects.get().trustpilot_account is None


def test_a_sign_in_window_comes_back_once(demo):
    setup = Setup().open()
    window = SignInWindow()
    window.open(setup.sign_in_link)
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    state = latest_state()

    first = window.come_back({"code": code, "state": state})
    again = window.come_back({"code": code, "state": state})

    assert first.status == 200
    assert again.status == 403
    assert "This sign-in window has expired" in again.page


def test_a_code_used_twice_asks_to_sign_in_again(demo):
    setup = Setup().open()
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    windows = [SignInWindow(), SignInWindow()]
    for window in windows:
        window.open(setup.sign_in_link)
    states = [state_for(sign_in) for sign_in in TrustpilotSignIn.objects.order_by("pk")]

    first = windows[0].come_back({"code": code, "state": states[0]})
    again = windows[1].come_back({"code": code, "state": states[1]})

    assert first.status == 200
    assert again.status == 502
    assert "it may have been used already" in again.page


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
    assert 'href="/zendesk/admin_ui/connect?setup=' in text(response)
    assert 'id="domains-form"' not in text(response)


def test_a_disconnected_instance_comes_back_only_through_a_fresh_sign_in_and_old_metadata_stays_dead(
    channel, connected
):
    from integrations.services.disconnect import instance_disconnect

    instance_disconnect(instance=channel.instance, by="admin@trustdesk.test")

    reopened = Setup().open(metadata=channel.metadata, name=channel.instance.name)
    connect_step = reopened.page
    signed_in = SignInWindow().sign_in(reopened.sign_in_link)
    reopened.claim(signed_in.claim_code)
    reopened.choose(name="Trustpilot — back", domains=[connected.domain.business_unit_id])
    new_metadata = finish_fields(reopened.page)["metadata"]
    old_pull = Client().post(keyed("pull", channel.metadata), {"metadata": channel.metadata, "state": ""})
    old_reopen = Setup().open(metadata=channel.metadata, name=channel.instance.name)

    assert 'id="domains-form"' not in connect_step and "The connection to Trustpilot no longer works" in connect_step
    instance = ChannelInstance.objects.get()
    assert instance.status == ChannelInstance.Status.ACTIVE and instance.disconnected_at is None
    assert instance_from(new_metadata) == instance
    assert new_metadata != channel.metadata
    assert old_pull.json() == {"external_resources": [], "metadata_needs_update": True}
    assert old_reopen.status == 401  # a copy kept from before opens nothing once the instance is back
