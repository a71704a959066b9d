"""/admin/zendesk-app/: who may see and download the app, and what a refused build shows."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from integrations.zendesk_app.validate import CHECKS, app_package_problems

pytestmark = pytest.mark.django_db

PAGE = "/admin/zendesk-app/"
DOWNLOAD = "/admin/zendesk-app/download/"


@pytest.mark.parametrize("role", ["superuser", "support_manager"])
def test_allowed_staff_see_the_manifest_url_checks_steps_and_download_button(client_for, request, role):
    response = client_for(request.getfixturevalue(role)).get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Download the Zendesk app" in html
    assert "https://trustdesk.test/zendesk/manifest.json" in html
    assert all(escape(check.summary) in html for check in CHECKS)
    assert f'href="{DOWNLOAD}"' in html
    assert "Upload private app" in html
    assert "Add account" in html


def test_plain_staff_without_the_permission_is_forbidden(client_for, plain_staff):
    client = client_for(plain_staff)

    assert client.get(PAGE).status_code == 403
    assert client.get(DOWNLOAD).status_code == 403


@pytest.mark.parametrize("url", [PAGE, DOWNLOAD])
def test_anonymous_is_sent_to_the_login_page(client_for, url):
    response = client_for(None).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("role", ["superuser", "support_manager"])
def test_the_download_is_a_valid_zip_attachment(client_for, request, role):
    response = client_for(request.getfixturevalue(role)).get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="trustdesk-zendesk-app.zip"'
    assert app_package_problems(response.content) == []


def test_a_refused_build_shows_the_reasons_and_no_download(client_for, superuser, settings):
    settings.TRUSTDESK_PUBLIC_URL = "http://trustdesk.example.com"
    client = client_for(superuser)

    page = client.get(PAGE)
    download = client.get(DOWNLOAD)

    html = page.content.decode()
    assert page.status_code == 200
    assert "The app cannot be built" in html
    assert "Set TRUSTDESK_PUBLIC_URL to the https address" in html
    assert DOWNLOAD not in html
    assert (download.status_code, download["Location"]) == (302, PAGE)


@pytest.mark.parametrize(("role", "linked"), [("superuser", True), ("support_manager", True), ("plain_staff", False)])
def test_the_admin_user_links_show_the_page_to_whoever_may_see_it(client_for, request, role, linked):
    html = client_for(request.getfixturevalue(role)).get("/admin/").content.decode()

    assert (f'<a href="{PAGE}">Zendesk app</a>' in html) is linked
    assert "Log out" in html
