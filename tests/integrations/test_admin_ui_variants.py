"""The connect flow under each way Trustpilot's sign-in may turn out to behave ([UNCONFIRMED],
docs/trustpilot.md §2.1 and §3.1), as the sandbox's switches play it, end to end over real HTTP: the
account connects in every case."""

from __future__ import annotations

import pytest

from integrations.metadata import instance_from
from integrations.models import ChannelInstance, SetupSession
from reviews.models import TrustpilotAccount
from sandbox.trustpilot import faults, seed
from tests.integrations.admin_ui_flow import Setup, SignInWindow, trustpilot_sign_in
from tests.integrations.test_admin_ui import finish_fields
from tests.sandbox import factories as sandbox_factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zendesk_unreachable")]


@pytest.fixture
def demo(live_sandbox) -> seed.DemoAccount:
    return seed.demo_seed(reviews_per_unit=2)


def ids(demo: seed.DemoAccount) -> dict[str, str]:
    return {unit.identifying_name: unit.id for unit in demo.units}


def connect(*, short_code: bool = False) -> tuple[Setup, str]:
    """A setup signed in to the demo business on the sandbox and claimed: (the domains step, the window's page)."""
    setup = Setup().open()
    signed_in = SignInWindow().sign_in(setup.sign_in_link)
    assert signed_in.status == 200, signed_in.page
    setup.claim(signed_in.short_code if short_code else signed_in.claim_code)
    assert setup.status == 200 and 'id="domains-form"' in setup.page, setup.page
    return setup, signed_in.page


def saved_domains(setup: Setup) -> list[str]:
    instance = instance_from(finish_fields(setup.page)["metadata"])
    return sorted(instance.domains.values_list("name", flat=True))


def test_state_not_echoed_the_sign_in_comes_back_by_its_cookie(demo):
    faults.faults_set(echo_state=False)

    setup, _ = connect()
    setup.choose(name="Trustpilot", domains=[ids(demo)["shop.example"]])

    assert saved_domains(setup) == ["shop.example"]


def test_state_not_echoed_and_no_cookie_connects_nothing(demo):
    faults.faults_set(echo_state=False)
    setup = Setup().open()
    window = SignInWindow()
    location = window.open(setup.sign_in_link)
    window.client.cookies.clear()  # e.g. a browser that dropped it

    signed_in = window.come_back(trustpilot_sign_in(location))

    assert signed_in.status == 400
    assert "cannot be matched to a setup" in signed_in.page
    assert SetupSession.objects.get().trustpilot_account is None


def test_units_listed_without_names_are_named_from_each_units_own_record(demo):
    faults.faults_set(unit_listing="unnamed")

    setup, _ = connect()

    for unit in demo.units:
        assert f'name="domains" value="{unit.id}"' in setup.page
        assert f"<strong>{unit.display_name}</strong>" in setup.page
        assert unit.identifying_name in setup.page
    setup.choose(name="Trustpilot", domains=[ids(demo)["boutique.example"]])
    assert saved_domains(setup) == ["boutique.example"]


@pytest.mark.parametrize(
    "switches",
    [
        {"unit_listing": "no_listing"},
        {"unit_listing": "no_me"},
        {"unit_listing": "no_me", "send_app_enduser": False},
    ],
    ids=["no listing", "no /me, user from the token answer", "no /me, user unknown"],
)
def test_without_a_listing_the_admin_types_the_domains_and_trustpilot_checks_each(demo, switches):
    faults.faults_set(**switches)
    sandbox_factories.BusinessUnitFactory(
        identifying_name="rival.example", users=[sandbox_factories.BusinessUserFactory()]
    )

    setup, _ = connect(short_code=True)
    offered = setup.page
    setup.choose(name="Trustpilot", typed="https://Shop.example/\nrival.example, nowhere.example\nnot a domain")
    refused = setup.page
    setup.choose(name="Trustpilot", typed="shop.example\nboutique.example")

    assert 'name="typed"' in offered and 'name="domains"' not in offered
    assert "Trustpilot did not list the domains this login can reach" in offered
    assert "rival.example: your Trustpilot login has no access to this domain&#x27;s reviews." in refused
    assert "nowhere.example: Trustpilot has no business profile for this domain." in refused
    assert "is not a domain name." in refused
    assert 'id="finish"' not in refused
    assert not ChannelInstance.objects.filter(domains__name="rival.example").exists()
    assert saved_domains(setup) == ["boutique.example", "shop.example"]
    account = TrustpilotAccount.objects.get()
    assert account.business_user_known is (switches.get("send_app_enduser", True))


def test_typed_domains_are_checked_in_the_admins_language(demo):
    faults.faults_set(unit_listing="no_listing")
    setup = Setup().open(locale="fr-FR")
    setup.claim(SignInWindow().sign_in(setup.sign_in_link).claim_code)

    setup.choose(name="Trustpilot", typed="nowhere.example")

    assert setup.status == 400
    assert "nowhere.example : Trustpilot n’a pas de profil d’entreprise pour ce domaine." in setup.page
