"""The Django admin's own login form in a real browser: proves the live server, cookies and CSRF work."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


def test_a_superuser_signs_in_through_the_admin_login_form(page):
    factories.UserFactory(username="root", is_superuser=True, password=PASSWORD)

    page.go("/admin/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.wait_for("#site-name")
    page.wait_for("#user-tools", text="ROOT")
    assert page.driver.current_url == page.url("/admin/")
    assert page.console_errors() == []


def test_a_wrong_password_is_refused_on_the_form(page):
    factories.UserFactory(username="root", is_superuser=True, password=PASSWORD)

    page.go("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "not the password")
    page.click("input[type=submit]")

    page.wait_for(".errornote", text="Please enter the correct username and password")
    assert page.driver.current_url.startswith(page.url("/admin/login/"))


def test_login_signs_a_user_in_without_the_form(page):
    page.login(factories.UserFactory(username="manager", support_manager=True))

    page.go("/admin/")

    page.wait_for("#user-tools", text="MANAGER")
    assert page.driver.current_url == page.url("/admin/")
