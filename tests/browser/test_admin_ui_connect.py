"""Zendesk's admin adds a Trustpilot account in a real browser: admin_ui in Zendesk's iframe, the sign-in
on the Trustpilot sandbox in a popup, the domains step, and the finish page posting to return_url; under
each way Trustpilot's sign-in may turn out to behave, and against a stranger's pasted sign-in link."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

from integrations.app_address import account_for_app
from integrations.metadata import instance_from
from integrations.models import ChannelInstance, SetupSession
from sandbox.trustpilot import faults, seed
from tests.browser.page import Page
from tests.browser.zendesk_host import FRAME, ZendeskHost, zendesk_host
from tests.integrations.admin_ui_flow import Setup
from tests.zendesk_requests import keyed

pytestmark = pytest.mark.browser

ADMIN_UI_FRAME = f"iframe#{FRAME}"
ACCOUNT_NAME = "Trustpilot — Browser test"


@dataclass(frozen=True)
class Language:
    locale: str
    connect_heading: str
    connect_button: str
    domains_heading: str
    sync_label: str
    add_button: str


ENGLISH = Language(
    locale="en-US",
    connect_heading="Bring your Trustpilot reviews into Zendesk",
    connect_button="Connect Trustpilot",
    domains_heading="Choose what comes into Zendesk",
    sync_label="Sync unanswered reviews",
    add_button="Add account",
)
FRENCH = Language(
    locale="fr",
    connect_heading="Faites entrer vos avis Trustpilot dans Zendesk",
    connect_button="Connecter Trustpilot",
    domains_heading="Choisissez ce qui entre dans Zendesk",
    sync_label="Synchroniser les avis sans réponse",
    add_button="Ajouter le compte",
)


@pytest.fixture
def demo(live_sandbox, live_server, settings) -> seed.DemoAccount:
    # Trustpilot sends the browser back to the callback under the public URL: here, the live server.
    settings.TRUSTDESK_PUBLIC_URL = live_server.url
    # The test's Zendesk is <subdomain>.localhost: its return_url must be accepted and it must frame admin_ui.
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.zendesk.com", "{subdomain}.localhost"]
    return seed.demo_seed(reviews_per_unit=3)


@pytest.fixture
def zendesk(request, live_server, transactional_db) -> Iterator[ZendeskHost]:
    """Zendesk's Admin Center opening admin_ui for a new account, in the locale the test is parametrized with,
    at the secret app address of acme's app."""
    language: Language = getattr(request, "param", ENGLISH)
    fields = {"name": "", "metadata": "", "state": "", "subdomain": "acme", "locale": language.locale}
    admin_ui_url = live_server.url + keyed("admin_ui", account_for_app("acme"))
    with zendesk_host(admin_ui_url=admin_ui_url, **fields) as host:
        yield host


def sign_in_on_the_popup(page: Page, popup: str) -> None:
    page.driver.switch_to.window(popup)
    page.fill("input[name=email]", seed.DEMO_EMAIL)
    page.fill("input[name=password]", seed.DEMO_PASSWORD)
    page.click("button.allow", text="Allow")


def unit_id(demo: seed.DemoAccount, name: str) -> str:
    return next(unit.id for unit in demo.units if unit.identifying_name == name)


def open_the_sign_in(page: Page, zendesk: ZendeskHost, language: Language = ENGLISH) -> tuple[str, str]:
    """Zendesk's page with admin_ui in its iframe, and Connect Trustpilot clicked: (Zendesk's window, popup)."""
    page.go(zendesk.url)
    opener = page.driver.current_window_handle
    with page.frame(ADMIN_UI_FRAME):
        page.wait_for("h1", text=language.connect_heading)
        page.wait_for("#zendesk-account", text="acme.zendesk.com")
        known = page.driver.window_handles
        page.click("#connect", text=language.connect_button)
    return opener, page.new_window(known)


def finish_with_domains(page: Page, demo: seed.DemoAccount, language: Language = ENGLISH, *, typed: str = "") -> None:
    """In the iframe, on the domains step: name the account, pick shop.example and boutique.example, sync 90 days."""
    page.wait_for("h1", text=language.domains_heading)
    page.wait_for("#zendesk-account", text="acme.zendesk.com")
    page.fill("#id_name", ACCOUNT_NAME)
    if typed:
        page.fill("#id_typed", typed)
    else:
        page.check(f"input[name=domains][value='{unit_id(demo, 'shop.example')}']")
        page.check(f"input[name=domains][value='{unit_id(demo, 'boutique.example')}']")
        page.check(f"input[name=domains][value='{unit_id(demo, 'outlet.example')}']", checked=False)
    page.wait_for("label.check", text=language.sync_label)
    page.check("input[name=sync_unanswered]")
    page.select("select[name=days]", "90")
    page.click("button[type=submit]", text=language.add_button)
    page.wait_for("#saved", text="Zendesk saved the account.")


def assert_account_saved(zendesk: ZendeskHost) -> None:
    assert len(zendesk.returned) == 1
    returned = zendesk.returned[0]
    assert (returned["name"], returned.get("state", "")) == (ACCOUNT_NAME, "")
    instance = ChannelInstance.objects.get()
    assert instance_from(returned["metadata"]) == instance
    assert instance.name == ACCOUNT_NAME
    assert sorted(instance.domains.values_list("name", flat=True)) == ["boutique.example", "shop.example"]
    assert (instance.sync_unanswered, instance.sync_unanswered_days) == (True, 90)


@pytest.mark.parametrize("zendesk", [ENGLISH, FRENCH], ids=["en", "fr"], indirect=True)
def test_an_admin_adds_an_account_signing_in_to_trustpilot_in_a_popup(page, demo, zendesk):
    language: Language = ENGLISH if zendesk.fields["locale"] == ENGLISH.locale else FRENCH
    driver = page.driver

    opener, popup = open_the_sign_in(page, zendesk, language)
    sign_in_on_the_popup(page, popup)
    page.wait_until(lambda driver: popup not in driver.window_handles, message="the sign-in window stayed open")
    driver.switch_to.window(opener)
    with page.frame(ADMIN_UI_FRAME):
        page.wait_for(".steps", text=language.connect_button)
        finish_with_domains(page, demo, language)

    assert_account_saved(zendesk)
    assert ChannelInstance.objects.get().trustpilot_account.name == seed.DEMO_NAME
    assert page.console_errors() == []


# Each way Trustpilot's sign-in may behave (docs/trustpilot.md §2.1, §3.1), as the sandbox's switches play it, and what
# the admin then does on the domains step: tick the listed domains, or type them.
VARIANTS = {
    "state not echoed": ({"echo_state": False}, ""),
    "units listed without names": ({"unit_listing": "unnamed"}, ""),
    "no /me endpoint": ({"unit_listing": "no_me"}, "shop.example\nhttps://boutique.example/"),
    "no listing of units": ({"unit_listing": "no_listing"}, "shop.example, boutique.example"),
}


@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
def test_the_account_connects_whatever_trustpilots_sign_in_sends(page, demo, zendesk, variant):
    switches, typed = VARIANTS[variant]
    faults.faults_set(**switches)
    driver = page.driver

    opener, popup = open_the_sign_in(page, zendesk)
    sign_in_on_the_popup(page, popup)
    page.wait_until(lambda driver: popup not in driver.window_handles, message="the sign-in window stayed open")
    driver.switch_to.window(opener)
    with page.frame(ADMIN_UI_FRAME):
        if variant == "units listed without names":
            page.wait_for("label.check", text="Demo Shop")  # the names came from each unit's own record
        finish_with_domains(page, demo, typed=typed)

    assert_account_saved(zendesk)
    assert page.console_errors() == []


def test_a_sign_in_window_cut_off_from_its_opener_shows_a_code_to_type_into_the_setup_page(page, demo, zendesk):
    # Trustpilot's real page may send Cross-Origin-Opener-Policy: same-origin, which cuts the popup off from
    # the setup page for good: the callback then shows a code, and nothing moves on until the admin types it.
    faults.faults_set(strict_opener_policy=True)
    driver = page.driver

    opener, popup = open_the_sign_in(page, zendesk)
    sign_in_on_the_popup(page, popup)
    page.wait_for("#no-opener", text="Nothing is connected yet.")
    page.wait_for("#no-opener", text="acme.zendesk.com")
    code = page.wait_for("#short-code").text
    assert driver.execute_script("return window.opener") is None
    driver.switch_to.window(opener)
    with page.frame(ADMIN_UI_FRAME):
        page.wait_for("h1", text=ENGLISH.connect_heading)  # still waiting for the code
        page.fill("#id_code", "WRONG-CODE")
        page.click("#claim button[type=submit]", text="Continue")
        page.wait_for("#code-error", text="does not match")
        refused = page.console_errors()  # the wrong code's answer is a 400, and Chromium logs that
        page.fill("#id_code", code.lower().replace("-", " "))
        page.click("#claim button[type=submit]", text="Continue")
        finish_with_domains(page, demo)

    assert popup in driver.window_handles  # no opener to go back to: the window stays, showing its code
    assert_account_saved(zendesk)
    assert [error["message"].split(" - ")[0] for error in refused] == [page.url("/zendesk/admin_ui/claim")]
    assert page.console_errors() == []


def test_a_strangers_sign_in_link_opened_in_the_victims_browser_connects_nothing(page, demo, live_server):
    # The stranger set up their own Zendesk account (in their own browser: a test client with its own cookie
    # jar), with the app TrustDesk built for it, and sent its sign-in link to the company's Trustpilot admin,
    # who opens it in Chromium.
    fields = {"name": "", "metadata": "", "state": "", "locale": "en-US", "subdomain": "evil"}
    return_url = "https://evil.zendesk.com/zendesk/channels/integration_service_instances/x"
    stranger = Setup().post(keyed("admin_ui", account_for_app("evil")), {**fields, "return_url": return_url})
    assert stranger.status == 200, stranger.page
    driver = page.driver

    page.go(live_server.url + stranger.sign_in_link)
    page.fill("input[name=email]", seed.DEMO_EMAIL)
    page.fill("input[name=password]", seed.DEMO_PASSWORD)
    page.click("button.allow", text="Allow")
    page.wait_for("#no-opener", text="Nothing is connected yet.")
    page.wait_for("#no-opener", text="evil.zendesk.com")
    assert driver.execute_script("return window.opener") is None
    after = Setup(client=stranger.client, page=stranger.page).claim("")
    domains = Client().post(
        "/zendesk/admin_ui/domains", {"session": stranger.key, "name": "Mine", "domains": [demo.units[0].id]}
    )

    assert after.status == 400 and 'id="domains-form"' not in after.page
    assert domains.status_code == 200 and 'id="domains-form"' not in domains.content.decode()
    assert SetupSession.objects.get().trustpilot_account is None
    assert not ChannelInstance.objects.exists()
    assert page.console_errors() == []


def test_a_site_outside_zendesk_return_url_hosts_cannot_frame_admin_ui(page, demo, zendesk, settings):
    settings.ZENDESK_RETURN_URL_HOSTS = ["{subdomain}.zendesk.com"]
    errors: list[dict[str, Any]] = []

    def framing_refused(driver: Chrome) -> bool:
        errors.extend(page.console_errors())
        return any("frame-ancestors https://*.zendesk.com" in error["message"] for error in errors)

    page.go(zendesk.url)

    page.wait_until(framing_refused, message="Chromium did not refuse to frame admin_ui")
    with page.frame(ADMIN_UI_FRAME):
        assert page.driver.find_elements(By.CSS_SELECTOR, "main.page") == []
    assert zendesk.returned == []
