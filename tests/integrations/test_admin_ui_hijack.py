"""Attacks on the connect flow: a stranger's setup, a company's Trustpilot admin, separate browsers.

The stranger opens admin_ui with their own Zendesk subdomain and return_url, and sends the company's
Trustpilot admin the setup's sign-in link. Whatever the admin then does in their own browser, the
stranger's setup must never be connected to the company's Trustpilot account.
"""

from __future__ import annotations

import pytest

from integrations.models import ChannelInstance, SetupSession, TrustpilotSignIn
from integrations.services.sign_in import MAX_FAILED_CLAIMS
from integrations.views.admin_ui.trustpilot import COOKIE, state_for
from reviews.models import TrustpilotAccount
from sandbox.trustpilot import faults, oauth, seed
from sandbox.trustpilot.auth import API_KEY
from tests.integrations.admin_ui_flow import CALLBACK, Setup, SignInWindow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("zendesk_unreachable")]

EVIL_RETURN = "https://evil.zendesk.com/zendesk/channels/integration_service_instances/editor_finalizer"


@pytest.fixture
def demo(live_sandbox) -> seed.DemoAccount:
    return seed.demo_seed(reviews_per_unit=2)


@pytest.fixture
def stranger(demo) -> Setup:
    """A setup of the stranger's own Zendesk account, in the stranger's browser."""
    return Setup().open(subdomain="evil", return_url=EVIL_RETURN)


def company_domains(demo: seed.DemoAccount) -> list[str]:
    return [unit.identifying_name for unit in demo.units]


def test_a_pasted_sign_in_link_connects_nothing_and_says_for_which_zendesk_account(demo, stranger):
    victim_window = SignInWindow()  # the company's admin, in their own browser, with no opener

    signed_in = victim_window.sign_in(stranger.sign_in_link)

    assert signed_in.status == 200
    assert "Nothing is connected yet." in signed_in.page
    assert "<strong>evil.zendesk.com</strong>" in signed_in.page
    assert "give this code to no one" in signed_in.page
    session = SetupSession.objects.get()
    assert session.trustpilot_account is None
    assert not TrustpilotAccount.objects.exists()


def test_the_stranger_cannot_move_on_without_the_code_the_victims_window_shows(demo, stranger):
    SignInWindow().sign_in(stranger.sign_in_link)

    claimed = Setup(page=stranger.page).claim("")
    domains = Setup(page=stranger.page).post(
        "/zendesk/admin_ui/domains", {"session": stranger.key, "name": "Mine", "domains": [demo.units[0].id]}
    )
    status = stranger.client.get("/zendesk/admin_ui/status", {"session": stranger.key})

    assert claimed.status == 400
    assert "does not match" in claimed.page
    assert domains.status == 200 and 'id="domains-form"' not in domains.page  # the connect step again
    assert status.status_code == 404  # no endpoint reveals or completes a grant
    for page in (claimed.page, domains.page):
        for name in company_domains(demo):
            assert name not in page
        assert 'id="finish"' not in page
    assert not ChannelInstance.objects.exists()
    assert SetupSession.objects.get().trustpilot_account is None


def test_guessing_the_short_code_drops_the_grant_after_a_few_tries(demo, stranger):
    signed_in = SignInWindow().sign_in(stranger.sign_in_link)

    answers = [Setup(page=stranger.page).claim(f"WRONG{n:03d}") for n in range(MAX_FAILED_CLAIMS)]
    late = Setup(page=stranger.page).claim(signed_in.short_code)

    assert [answer.status for answer in answers] == [400] * MAX_FAILED_CLAIMS
    assert "1 more try" in answers[-2].page
    assert "too many wrong codes" in answers[-1].page
    assert late.status == 400  # even the right code: the grant is gone
    grant = TrustpilotSignIn.objects.get()
    assert grant.tokens is None and grant.claimed_at is None
    assert SetupSession.objects.get().trustpilot_account is None


def test_a_claim_code_opens_only_the_setup_whose_window_got_it(demo, stranger):
    company = Setup().open()  # the company admin's own setup, in another browser
    signed_in = SignInWindow().sign_in(company.sign_in_link)

    stolen = Setup(page=stranger.page).claim(signed_in.claim_code)
    stolen_short = Setup(page=stranger.page).claim(signed_in.short_code)
    own = company.claim(signed_in.claim_code)

    assert (stolen.status, stolen_short.status) == (400, 400)
    assert own.status == 200 and 'id="domains-form"' in own.page
    assert SetupSession.objects.get(subdomain="evil").trustpilot_account is None
    assert SetupSession.objects.get(subdomain="acme").trustpilot_account is not None


def test_a_setup_key_copied_before_the_claim_is_spent_by_it(demo):
    company = Setup().open()
    copied_key = company.key
    company.claim(SignInWindow().sign_in(company.sign_in_link).claim_code)

    replay = Setup().post(
        "/zendesk/admin_ui/domains", {"session": copied_key, "name": "Mine", "domains": [demo.units[0].id]}
    )

    assert replay.status == 403
    assert "This page has expired" in replay.page
    assert not ChannelInstance.objects.exists()


def test_a_strangers_sign_in_cookie_planted_in_the_victims_window_binds_nothing_to_the_victims_setup(demo, stranger):
    # Trustpilot does not echo state here, so the callback goes by the cookie; the stranger made the victim's
    # browser open the stranger's sign-in link first, which left the stranger's cookie in it.
    faults.faults_set(echo_state=False)
    company = Setup().open()
    window = SignInWindow()
    window.open(stranger.sign_in_link)
    planted = window.client.cookies[COOKIE].value
    window.open(company.sign_in_link)
    window.client.cookies[COOKIE] = planted
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code

    signed_in = window.come_back({"code": code})
    handed_over = company.claim(signed_in.claim_code)

    assert "<strong>evil.zendesk.com</strong>" in signed_in.page  # the window says whose setup it is
    assert handed_over.status == 400
    assert SetupSession.objects.get(subdomain="acme").trustpilot_account is None
    assert SetupSession.objects.get(subdomain="evil").trustpilot_account is None


def test_a_signed_state_wins_over_a_planted_cookie(demo, stranger):
    company = Setup().open()
    window = SignInWindow()
    window.open(stranger.sign_in_link)
    planted = window.client.cookies[COOKIE].value
    window.open(company.sign_in_link)
    company_state = state_for(TrustpilotSignIn.objects.latest("pk"))
    window.client.cookies[COOKIE] = planted
    code = oauth.code_issue(user=demo.user, api_key=API_KEY, redirect_uri=CALLBACK).code

    signed_in = window.come_back({"code": code, "state": company_state})
    claimed = company.claim(signed_in.claim_code)

    assert "<strong>acme.zendesk.com</strong>" in signed_in.page
    assert claimed.status == 200
