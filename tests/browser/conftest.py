"""Browser tests: headless Chromium, driven by Selenium, against pytest-django's live server.

Mark each module `pytestmark = pytest.mark.browser`; they run in `make test` with the rest. Chromium and
its driver come from Debian (`chromium`, `chromium-driver`, installed by .ci/install-test-tools); without
them, or when the driver cannot start, the tests skip and say what is missing. Nothing else skips.

Fixtures:

- `browser` (session): the selenium `WebDriver` (Chrome), headless, en-US, with a fresh profile and the
  browser console log on (`driver.get_log("browser")`, iframes included).
- `page` (each test): a `tests.browser.page.Page` on the live server, with `transactional_db` (the
  server answers from other threads, so test data must be committed) with serialized rollback (the
  groups and permissions that migrations made are there), and session and CSRF cookies that are not
  Secure (the live server speaks http). Each test starts with one blank window, no cookies
  and an empty console log.
    page.go(path)                   open a path of the live server, or an absolute URL
    page.url(path)                  the absolute URL of a path
    page.login(user)                sign a Django user in (session cookie copied into the browser)
    page.wait_for(css, text=...)    the first visible element matching css and containing text
    page.wait_until(condition)      WebDriverWait on any callable taking the driver
    page.click(css, text=...)       wait for it to be visible and clickable, then click
    page.fill(css, value)           clear a field and type into it
    page.check(css, checked=True)   tick or untick a checkbox
    page.select(css, value)         choose an <option> by value
    with page.frame(css): ...       work inside an iframe, then back to the top document
    page.new_window(known_handles)  the handle of a window opened since (popups)
    page.console_errors()           SEVERE console entries since the last call (CSP violations...)
    page.driver                     the WebDriver itself

Waits are explicit (WebDriverWait), never sleeps. When a browser test fails, a screenshot and the
HTML of the current page are saved as var/test-screenshots/<test name>.png and .html.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

from tests.browser.page import Page
from tests.conftest import let_go_of_the_database

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
HOW_TO_INSTALL = "install the Debian packages chromium and chromium-driver (.ci/install-test-tools does it)"
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
    "--lang=en-US",
    # chromedriver's console log reads the top page's process only: keep cross-site iframes (admin_ui in
    # Zendesk's page) in that process, so that their script errors and CSP violations are logged too.
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process",
)


def chrome_options(profile: str) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


@pytest.fixture(scope="session")
def browser(django_db_setup, live_server) -> Iterator[webdriver.Chrome]:
    # Asks for the database and live server so that they outlive the browser: its open connections hold
    # live-server threads, and with them database sessions, until it quits.
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip(f"browser tests need {' and '.join(missing)}: {HOW_TO_INSTALL}")
    profile = tempfile.mkdtemp(prefix="trustdesk-chromium-")
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=chrome_options(profile))
    except WebDriverException as exc:
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip(
            f"{CHROMEDRIVER} could not start {CHROMIUM} ({exc.msg}): both must come from one Chromium release; "
            "reinstall the Debian packages chromium and chromium-driver"
        )
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
    let_go_of_the_database()


@pytest.fixture
def page(browser, live_server, django_db_serialized_rollback, transactional_db, settings) -> Page:
    # Serialized rollback: each test starts with what migrations wrote (the support managers' group,
    # permissions); pytest_runtest_teardown below puts it back after the test's flush.
    # The test settings' public URL is https, which makes both cookies Secure; the live server is http.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    helper = Page(browser, live_server.url)
    helper.reset()
    return helper


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    driver = getattr(item, "funcargs", {}).get("browser")
    if report.failed and report.when in ("setup", "call") and driver is not None:
        save_evidence(driver, item.config.rootpath / "var" / "test-screenshots", item.name)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    # Before any fixture's teardown (live_sandbox's waits for the live server's threads): close the
    # windows and connections this test opened. After all of it (the database flush): restore.
    funcargs = getattr(item, "funcargs", {})
    page = funcargs.get("page")
    if isinstance(page, Page):
        page.reset()
    result = yield
    if isinstance(page, Page):
        restore_migrated_data(funcargs["django_db_blocker"])
    return result


def restore_migrated_data(blocker: Any) -> None:
    """Put back, after the test's flush, what migrations wrote: with serialized rollback Django restores it
    only when a test starts (and skips post_migrate on flush), so the transactional tests that run after a
    browser test, without serialized rollback, would find no groups, permissions or content types."""
    connection = connections[DEFAULT_DB_ALIAS]
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


def save_evidence(driver: webdriver.Chrome, folder: Path, test_name: str) -> None:
    name = re.sub(r"[^\w.-]+", "_", test_name)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        driver.save_screenshot(str(folder / f"{name}.png"))
        (folder / f"{name}.html").write_text(driver.page_source, encoding="utf-8")
    except WebDriverException as exc:
        # The failure being reported matters more than its screenshot.
        (folder / f"{name}.txt").write_text(f"No screenshot: {exc.msg}\n", encoding="utf-8")
