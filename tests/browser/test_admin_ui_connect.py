"""Zendesk's admin adds a Trustpilot account in a real browser: admin_ui in Zendesk's iframe, the sign-in
on the Trustpilot sandbox in a popup, the domains step, and the finish page posting to return_url."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By

from integrations.metadata import instance_from
from integrations.models import ChannelInstance
from reviews.sandbox import seed
from tests.browser.page import Page
from tests.browser.zendesk_host import FRAME, ZendeskHost, zendesk_host

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
    # The test's Zendesk is 127.0.0.1: its return_url must be accepted and it must be a frame ancestor.
    settings.ZENDESK_RETURN_URL_HOSTS = ["*.zendesk.com", "127.0.0.1"]
    return seed.demo_seed(reviews_per_unit=3)


@pytest.fixture
def zendesk(request, live_server) -> Iterator[ZendeskHost]:
    """Zendesk's Admin Center opening admin_ui for a new account, in the locale the test is parametrized with."""
    language: Language = getattr(request, "param", ENGLISH)
    fields = {"name": "", "metadata": "", "state": "", "subdomain": "acme", "locale": language.locale}
    with zendesk_host(admin_ui_url=f"{live_server.url}/zendesk/admin_ui", **fields) as host:
        yield host


def sign_in_on_the_popup(page: Page, popup: str) -> None:
    page.driver.switch_to.window(popup)
    page.fill("input[name=email]", seed.DEMO_EMAIL)
    page.fill("input[name=password]", seed.DEMO_PASSWORD)
    page.click("button.allow", text="Allow")


def unit_id(demo: seed.DemoAccount, name: str) -> str:
    return next(unit.id for unit in demo.units if unit.identifying_name == name)


@pytest.mark.parametrize("zendesk", [ENGLISH, FRENCH], ids=["en", "fr"], indirect=True)
def test_an_admin_adds_an_account_signing_in_to_trustpilot_in_a_popup(page, demo, zendesk):
    language: Language = ENGLISH if zendesk.fields["locale"] == ENGLISH.locale else FRENCH
    driver = page.driver

    page.go(zendesk.url)
    opener = driver.current_window_handle
    with page.frame(ADMIN_UI_FRAME):
        page.wait_for("h1", text=language.connect_heading)
        page.wait_for(".steps", text=language.connect_button)
        known = driver.window_handles
        page.click("#connect", text=language.connect_button)
    popup = page.new_window(known)
    sign_in_on_the_popup(page, popup)
    page.wait_until(lambda driver: popup not in driver.window_handles, message="the sign-in window stayed open")
    driver.switch_to.window(opener)
    with page.frame(ADMIN_UI_FRAME):
        page.wait_for("h1", text=language.domains_heading)
        page.fill("#id_name", ACCOUNT_NAME)
        page.check(f"input[name=domains][value='{unit_id(demo, 'shop.example')}']")
        page.check(f"input[name=domains][value='{unit_id(demo, 'boutique.example')}']")
        page.check(f"input[name=domains][value='{unit_id(demo, 'outlet.example')}']", checked=False)
        page.wait_for("label.check", text=language.sync_label)
        page.check("input[name=sync_unanswered]")
        page.select("select[name=days]", "90")
        page.click("button[type=submit]", text=language.add_button)
        page.wait_for("#saved", text="Zendesk saved the account.")

    assert len(zendesk.returned) == 1
    returned = zendesk.returned[0]
    assert (returned["name"], returned.get("state", "")) == (ACCOUNT_NAME, "")
    instance = ChannelInstance.objects.get()
    assert instance_from(returned["metadata"]) == instance
    assert instance.name == ACCOUNT_NAME
    assert sorted(instance.domains.values_list("name", flat=True)) == ["boutique.example", "shop.example"]
    assert (instance.sync_unanswered, instance.sync_unanswered_days) == (True, 90)
    assert instance.trustpilot_account.name == seed.DEMO_NAME
    assert page.console_errors() == []


def test_a_site_outside_zendesk_return_url_hosts_cannot_frame_admin_ui(page, demo, zendesk, settings):
    settings.ZENDESK_RETURN_URL_HOSTS = ["*.zendesk.com"]
    errors: list[dict[str, Any]] = []

    def framing_refused(driver: Chrome) -> bool:
        errors.extend(page.console_errors())
        return any("frame-ancestors https://*.zendesk.com" in error["message"] for error in errors)

    page.go(zendesk.url)

    page.wait_until(framing_refused, message="Chromium did not refuse to frame admin_ui")
    with page.frame(ADMIN_UI_FRAME):
        assert page.driver.find_elements(By.CSS_SELECTOR, "main.page") == []
    assert zendesk.returned == []


def test_the_setup_page_moves_on_by_itself_when_the_sign_in_window_lost_its_opener(page, demo, zendesk):
    # A strict Cross-Origin-Opener-Policy on Trustpilot's sign-in page would cut the popup off from the
    # setup page: the callback then has no window.opener to tell, and the setup page asks TrustDesk instead.
    driver = page.driver

    page.go(zendesk.url)
    opener = driver.current_window_handle
    with page.frame(ADMIN_UI_FRAME):
        page.wait_for("h1", text=ENGLISH.connect_heading)
        known = driver.window_handles
        page.click("#connect", text=ENGLISH.connect_button)
    popup = page.new_window(known)
    driver.switch_to.window(popup)
    page.wait_for("input[name=email]")
    driver.execute_script("window.opener = null")
    sign_in_on_the_popup(page, popup)
    page.wait_for("#connected", text=f"Connected as {seed.DEMO_NAME}")
    assert driver.execute_script("return window.opener") is None
    driver.switch_to.window(opener)
    with page.frame(ADMIN_UI_FRAME):
        page.wait_for("h1", text=ENGLISH.domains_heading)
        page.fill("#id_name", ACCOUNT_NAME)
        page.check(f"input[name=domains][value='{unit_id(demo, 'shop.example')}']")
        page.click("button[type=submit]", text=ENGLISH.add_button)
        page.wait_for("#saved", text="Zendesk saved the account.")

    assert popup in driver.window_handles  # the callback page could not close itself: no opener to go back to
    assert len(zendesk.returned) == 1
    assert ChannelInstance.objects.get().trustpilot_account.name == seed.DEMO_NAME
    assert page.console_errors() == []
