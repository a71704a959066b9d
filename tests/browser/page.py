"""The `page` helper of the browser tests: one WebDriver, bound to the live server, with explicit waits only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

T = TypeVar("T")
TIMEOUT = 10.0


class Page:
    def __init__(self, driver: Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url.rstrip("/")

    def url(self, path: str) -> str:
        return path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"

    def go(self, path: str) -> None:
        self.driver.get(self.url(path))

    def login(self, user: User) -> None:
        """Sign the user in without the login form: Django's own login through the test client, whose
        session cookie the browser then carries for the live server."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.driver.execute_cdp_cmd(
            "Network.setCookie",
            {"name": cookie.key, "value": cookie.value, "url": self.base_url, "path": "/", "httpOnly": True},
        )

    def wait_until(
        self, condition: Callable[[Chrome], T | Literal[False] | None], *, timeout: float = TIMEOUT, message: str = ""
    ) -> T:
        """WebDriverWait until condition returns a true value, and that value."""
        # A page that reloads itself (or is being left) turns found elements stale mid-check: look again.
        wait = WebDriverWait(self.driver, timeout, ignored_exceptions=[StaleElementReferenceException])
        result = wait.until(condition, message)
        assert result is not None and result is not False  # until() returns only a true value
        return result

    def wait_for(self, css: str = "body", *, text: str = "", timeout: float = TIMEOUT) -> WebElement:
        """The first visible element matching css (that contains text, when given)."""

        def found(driver: Chrome) -> WebElement | None:
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if element.is_displayed() and text in element.text:
                    return element
            return None

        what = f"{css!r} containing {text!r}" if text else repr(css)
        return self.wait_until(found, timeout=timeout, message=f"no visible {what} on {self.driver.current_url}")

    def click(self, css: str, *, text: str = "") -> None:
        element = self.wait_for(css, text=text)
        self.wait_until(expected_conditions.element_to_be_clickable(element), message=f"{css!r} is not clickable")
        element.click()

    def fill(self, css: str, value: str) -> None:
        element = self.wait_for(css)
        element.clear()
        element.send_keys(value)

    def check(self, css: str, *, checked: bool = True) -> None:
        element = self.wait_for(css)
        if element.is_selected() != checked:
            element.click()

    def select(self, css: str, value: str) -> None:
        Select(self.wait_for(css)).select_by_value(value)

    @contextmanager
    def frame(self, css: str) -> Iterator[None]:
        """Inside the iframe matching css for the block, then back to the top document."""
        locator = (By.CSS_SELECTOR, css)
        self.wait_until(expected_conditions.frame_to_be_available_and_switch_to_it(locator), message=f"no {css!r}")
        try:
            yield
        finally:
            self.driver.switch_to.default_content()

    def new_window(self, known: list[str]) -> str:
        """The handle of a window opened since `known` was taken (from driver.window_handles)."""

        def opened(driver: Chrome) -> str | None:
            return next((handle for handle in driver.window_handles if handle not in known), None)

        return self.wait_until(opened, message="no new window opened")

    def console_errors(self) -> list[dict[str, Any]]:
        """SEVERE console entries (script errors, CSP violations, failed loads) since the last call."""
        entries = self.driver.get_log("browser")
        # Chromium asks each site it shows for /favicon.ico, which TrustDesk does not serve: not the page's doing.
        severe: list[dict[str, Any]] = [entry for entry in entries if entry["level"] == "SEVERE"]
        return [entry for entry in severe if "/favicon.ico " not in entry["message"]]

    def reset(self) -> None:
        """Back to one blank window with no cookies and an empty console log, for the next test."""
        driver = self.driver
        first, *others = driver.window_handles
        for handle in others:
            driver.switch_to.window(handle)
            driver.close()
        driver.switch_to.window(first)
        self.close_connections()
        driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
        driver.get_log("browser")

    def close_connections(self) -> None:
        """Close the browser's kept-alive connections. Each holds a live-server thread, and with it a database
        session, which would keep let_go_of_the_database() waiting and PostgreSQL from dropping the test
        database; DevTools has no command for it, Chromium's net-internals page has a button."""
        driver = self.driver
        driver.get("chrome://net-internals/#sockets")
        # Without the button (a future Chromium), connections close when the browser quits: slower, same result.
        for button in driver.find_elements(By.ID, "sockets-view-flush-button"):
            button.click()
        driver.get("about:blank")
