"""What a Trustpilot sign-in gives access to, under each variant of the sandbox's sign-in, over real HTTP."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviews.models import TrustpilotAccount
from reviews.services.accounts import ReauthorizationNeeded, account_disconnect
from reviews.services.signin import (
    DomainCheck,
    DomainProblem,
    account_units,
    domains_check,
    refused,
    sign_in_discover,
)
from reviews.trustpilot import errors, get_client
from reviews.trustpilot.types import BusinessUnit, BusinessUser, TokenSet
from sandbox.trustpilot import faults, oauth, seed
from sandbox.trustpilot.auth import API_KEY
from sandbox.trustpilot.errors import forbidden, not_found
from sandbox.trustpilot.views import api as sandbox_api
from tests.conftest import CALLBACK
from tests.sandbox import factories as sandbox_factories

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_UNITS = [
    ("boutique.example", "Boutique Démo"),
    ("outlet.example", "Demo Outlet"),
    ("shop.example", "Demo Shop"),
]


@pytest.fixture
def demo(live_sandbox) -> seed.DemoAccount:
    return seed.demo_seed(reviews_per_unit=1)


@pytest.fixture
def tokens(demo) -> TokenSet:
    """The demo user's tokens, from a real code exchange with the sandbox."""
    client = get_client()
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code
    try:
        return client.exchange_code(code=code, redirect_uri=CALLBACK)
    finally:
        client.session.close()


def names(units: list[BusinessUnit]) -> list[tuple[str, str]]:
    return sorted((unit.name, unit.display_name) for unit in units)


def demo_user(demo) -> BusinessUser:
    return BusinessUser(id=demo.user.id, name=demo.user.name, email=demo.user.email)


def raising(error):
    def view(self, request, business_unit_id):
        raise error

    return view


# --- sign_in_discover ------------------------------------------------------------------------------


def test_a_sign_in_finds_the_user_and_their_named_units(demo, tokens):
    discovery = sign_in_discover(tokens=tokens)

    assert discovery.user == demo_user(demo)
    assert discovery.units_listed is True
    assert names(discovery.units) == DEMO_UNITS
    assert {unit.id for unit in discovery.units} == {unit.id for unit in demo.units}


def test_units_listed_without_names_are_read_one_by_one_for_their_names(demo, tokens):
    faults.faults_set(unit_listing="unnamed")
    client = get_client()

    discovery = sign_in_discover(tokens=tokens, client=client)

    assert discovery.units_listed is True
    assert names(discovery.units) == DEMO_UNITS
    assert client.calls == 2 + len(DEMO_UNITS)


def test_a_unit_the_private_endpoint_will_not_show_is_named_from_the_public_one(demo, tokens, monkeypatch):
    faults.faults_set(unit_listing="unnamed")
    monkeypatch.setattr(sandbox_api.PrivateBusinessUnitView, "get", raising(forbidden()))

    discovery = sign_in_discover(tokens=tokens)

    assert names(discovery.units) == DEMO_UNITS


def test_a_unit_neither_endpoint_shows_is_kept_under_its_id(demo, tokens, monkeypatch):
    faults.faults_set(unit_listing="unnamed")
    monkeypatch.setattr(sandbox_api.PrivateBusinessUnitView, "get", raising(not_found("Business unit")))
    monkeypatch.setattr(sandbox_api.BusinessUnitView, "get", raising(not_found("Business unit")))

    discovery = sign_in_discover(tokens=tokens)

    assert discovery.units_listed is True
    assert sorted(discovery.units, key=lambda unit: unit.id) == [
        BusinessUnit(id=unit.id, name=unit.id, display_name=unit.id) for unit in sorted(demo.units, key=lambda u: u.id)
    ]


def test_without_me_the_user_comes_from_app_enduser_and_the_units_are_typed(demo, tokens):
    faults.faults_set(unit_listing="no_me")

    discovery = sign_in_discover(tokens=tokens)

    assert tokens.app_enduser == demo.user.id
    assert discovery.user == BusinessUser(id=demo.user.id, name="", email="")
    assert (discovery.units, discovery.units_listed) == ([], False)


def test_without_me_or_app_enduser_the_user_is_unknown(demo, tokens):
    faults.faults_set(unit_listing="no_me")

    discovery = sign_in_discover(tokens=replace(tokens, app_enduser=""))

    assert discovery.user == BusinessUser(id="", name="", email="")
    assert (discovery.units, discovery.units_listed) == ([], False)


def test_a_refused_listing_leaves_the_user_known_and_the_units_to_type(demo, tokens):
    faults.faults_set(unit_listing="no_listing")

    discovery = sign_in_discover(tokens=tokens)

    assert discovery.user == demo_user(demo)
    assert (discovery.units, discovery.units_listed) == ([], False)


def test_a_token_trustpilot_refuses_raises_auth_error(demo, tokens):
    faults.access_tokens_expire()

    with pytest.raises(errors.AuthError) as caught:
        sign_in_discover(tokens=tokens)

    assert caught.value.status == 401


@pytest.mark.parametrize(("status", "error"), [(503, errors.Unavailable), (429, errors.RateLimited)])
def test_trustpilot_down_or_limiting_raises_rather_than_saying_nothing_is_listed(demo, tokens, status, error):
    faults.faults_set(fail_next=1, fail_status=status)

    with pytest.raises(error):
        sign_in_discover(tokens=tokens)


def test_only_404_and_403_count_as_an_endpoint_missing_or_refused():
    assert refused(errors.NotFound("gone", status=404))
    assert refused(errors.AuthError("no", status=403))
    assert not refused(errors.AuthError("bad token", status=401))
    assert not refused(errors.Unavailable("down", status=503))
    assert not refused(errors.BadRequest("malformed"))


# --- domains_check ---------------------------------------------------------------------------------


def test_a_typed_domain_of_the_user_resolves_to_its_unit(demo, tokens):
    shop = next(unit for unit in demo.units if unit.identifying_name == "shop.example")

    checks = domains_check(access_token=tokens.access_token, domains=["https://Shop.Example/reviews?x=1"])

    assert checks == [
        DomainCheck(
            domain="shop.example",
            unit=BusinessUnit(id=shop.id, name="shop.example", display_name="Demo Shop"),
            problem=None,
        )
    ]


def test_typed_domains_are_checked_where_the_listing_is_refused(demo, tokens):
    faults.faults_set(unit_listing="no_listing")

    checks = domains_check(access_token=tokens.access_token, domains=["outlet.example", "boutique.example"])

    assert [(check.domain, check.problem) for check in checks] == [("outlet.example", None), ("boutique.example", None)]
    assert [check.unit.display_name for check in checks if check.unit] == ["Demo Outlet", "Boutique Démo"]


def test_someone_elses_domain_is_not_yours_and_its_unit_is_not_given(demo, tokens):
    sandbox_factories.BusinessUnitFactory(
        identifying_name="rival.example", users=[sandbox_factories.BusinessUserFactory()]
    )

    checks = domains_check(access_token=tokens.access_token, domains=["rival.example"])

    assert checks == [DomainCheck(domain="rival.example", unit=None, problem=DomainProblem.NOT_YOURS)]


def test_a_domain_trustpilot_does_not_know_is_not_on_trustpilot(demo, tokens):
    checks = domains_check(access_token=tokens.access_token, domains=["nowhere.example"])

    assert checks == [DomainCheck(domain="nowhere.example", unit=None, problem=DomainProblem.NOT_ON_TRUSTPILOT)]


@pytest.mark.parametrize(
    ("typed", "domain"),
    [
        ("", ""),
        ("   ", ""),
        ("not a domain", "not a domain"),
        ("localhost", "localhost"),
        ("shop.example:8443", "shop.example:8443"),
        ("-shop.example", "-shop.example"),
        ("https://", ""),
    ],
)
def test_what_is_not_a_domain_is_invalid_and_costs_no_call(demo, tokens, typed, domain):
    client = get_client()

    checks = domains_check(access_token=tokens.access_token, domains=[typed], client=client)

    assert checks == [DomainCheck(domain=domain, unit=None, problem=DomainProblem.INVALID)]
    assert client.calls == 0


def test_a_domain_typed_twice_is_checked_once_in_the_order_first_typed(demo, tokens):
    client = get_client()

    checks = domains_check(
        access_token=tokens.access_token,
        domains=["nowhere.example", "shop.example", "HTTPS://shop.example/", "nowhere.example", "shop.example."],
        client=client,
    )

    assert [(check.domain, check.problem) for check in checks] == [
        ("nowhere.example", DomainProblem.NOT_ON_TRUSTPILOT),
        ("shop.example", None),
    ]
    assert client.calls == 3  # find twice, one access check


def test_an_outage_while_checking_domains_raises(demo, tokens):
    faults.faults_set(fail_next=1, fail_status=502)

    with pytest.raises(errors.Unavailable):
        domains_check(access_token=tokens.access_token, domains=["shop.example"])


# --- account_units ---------------------------------------------------------------------------------


def test_an_accounts_units_are_listed_with_its_tokens(connected):
    discovery = account_units(account=connected.account)

    assert discovery.user.id == connected.account.business_user_id
    assert discovery.units_listed is True
    assert names(discovery.units) == DEMO_UNITS


def test_an_accounts_units_without_names_are_named(connected):
    faults.faults_set(unit_listing="unnamed")

    discovery = account_units(account=connected.account)

    assert names(discovery.units) == DEMO_UNITS


def test_an_account_whose_listing_is_refused_keeps_its_tokens_instead_of_refreshing(connected):
    faults.faults_set(unit_listing="no_listing")
    before = connected.account.access_token.reveal()

    discovery = account_units(account=connected.account)

    assert (discovery.units, discovery.units_listed) == ([], False)
    connected.account.refresh_from_db()
    assert connected.account.access_token.reveal() == before


def test_an_account_without_me_is_described_by_what_trustdesk_stored(connected):
    faults.faults_set(unit_listing="no_me")
    account = connected.account

    discovery = account_units(account=account)

    assert discovery.user == BusinessUser(id=account.business_user_id, name=account.name, email=account.email)
    assert discovery.units_listed is False


def test_an_account_whose_access_token_expired_is_refreshed_and_listed(connected):
    before = connected.account.access_token.reveal()
    faults.access_tokens_expire()

    discovery = account_units(account=connected.account)

    assert names(discovery.units) == DEMO_UNITS
    connected.account.refresh_from_db()
    assert connected.account.access_token.reveal() != before
    assert connected.account.status == TrustpilotAccount.Status.CONNECTED


def test_a_disconnected_account_needs_reauthorization(connected, revoked):
    account_disconnect(account=connected.account, by="test")

    with pytest.raises(ReauthorizationNeeded):
        account_units(account=connected.account)
