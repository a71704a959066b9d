"""/admin/zendesk-app/: the Zendesk account an app is built for, its page (manifest URL, checks, download,
replacing the secret), and who may use them: superusers and support managers only."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.utils.html import escape

from integrations.app_address import account_for_app
from integrations.models import ZendeskAccount
from integrations.zendesk_app.validate import CHECKS, app_package_problems
from tests import factories
from tests.zendesk_requests import keyed

pytestmark = pytest.mark.django_db

PAGE = "/admin/zendesk-app/"
ACCOUNT = "/admin/zendesk-app/acme/"
DOWNLOAD = "/admin/zendesk-app/acme/download/"
ROTATE = "/admin/zendesk-app/acme/rotate/"
ROLES = ["superuser", "support_manager"]


@pytest.fixture
def acme() -> ZendeskAccount:
    return account_for_app("acme")


@pytest.fixture
def account_viewer(db):
    """Staff granted the permission to see Zendesk accounts, but neither superuser nor support manager."""
    user = factories.UserFactory(username="viewer")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="integrations", codename="view_zendeskaccount")
    )
    return user


def manifest_url_in(content: bytes) -> str:
    requirements = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("requirements.json"))
    (integration,) = requirements["channel_integrations"].values()
    return str(integration["manifest_url"])


@pytest.mark.parametrize("role", ROLES)
def test_allowed_staff_pick_the_zendesk_account_and_see_the_accounts_made(client_for, request, role, acme):
    response = client_for(request.getfixturevalue(role)).get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Download the Zendesk app" in html
    assert 'id="account-form"' in html
    assert 'name="subdomain"' in html
    assert f'<a href="{ACCOUNT}">acme.zendesk.com</a>' in html
    assert acme.url_secret.reveal() not in html


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_subdomain_makes_the_account_and_opens_its_page(client_for, request, role):
    response = client_for(request.getfixturevalue(role)).post(PAGE, {"subdomain": " Acme.zendesk.com "})

    assert (response.status_code, response["Location"]) == (302, ACCOUNT)
    account = ZendeskAccount.objects.get()
    assert account.subdomain == "acme"
    assert account.url_secret is not None


def test_posting_a_known_subdomain_keeps_its_secret(client_for, superuser, acme):
    secret = acme.url_secret.reveal()

    response = client_for(superuser).post(PAGE, {"subdomain": "acme"})

    acme.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, ACCOUNT)
    assert ZendeskAccount.objects.count() == 1
    assert acme.url_secret.reveal() == secret


@pytest.mark.parametrize("subdomain", ["", "ac me", "acme/../evil", "-acme"])
def test_what_is_not_a_subdomain_is_refused_on_the_form_and_makes_no_account(client_for, superuser, subdomain):
    response = client_for(superuser).post(PAGE, {"subdomain": subdomain})

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not ZendeskAccount.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_account_page_shows_its_keyed_manifest_url_checks_steps_download_and_rotate(
    client_for, request, role, acme
):
    response = client_for(request.getfixturevalue(role)).get(ACCOUNT)

    html = response.content.decode()
    assert response.status_code == 200
    assert "acme.zendesk.com" in html
    assert f'<code id="manifest-url">https://trustdesk.test{keyed("manifest", acme)}</code>' in html
    assert all(escape(check.summary) in html for check in CHECKS)
    assert f'href="{DOWNLOAD}"' in html
    assert 'download="trustdesk-zendesk-app-acme.zip"' in html
    assert "Upload private app" in html
    assert "Add account" in html
    assert f'<form method="post" action="{ROTATE}" id="rotate-form">' in html


def test_the_account_page_says_a_new_secret_needs_the_app_rebuilt_and_reinstalled(client_for, superuser, acme):
    html = client_for(superuser).get(ACCOUNT).content.decode()

    assert "Replace the secret address" in html
    assert "refused at once" in html
    assert "download this app again" in html
    assert "uninstall the old app, upload and install the new one" in html


def test_an_unknown_account_has_no_page_download_or_rotate(client_for, superuser):
    client = client_for(superuser)

    assert client.get(ACCOUNT).status_code == 404
    assert client.get(DOWNLOAD).status_code == 404
    assert client.post(ROTATE).status_code == 404
    assert not ZendeskAccount.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_the_download_is_a_valid_zip_attachment_pointing_at_the_accounts_keyed_manifest(
    client_for, request, role, acme
):
    response = client_for(request.getfixturevalue(role)).get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="trustdesk-zendesk-app-acme.zip"'
    assert "no-store" in {part.strip() for part in response["Cache-Control"].split(",")}
    assert app_package_problems(response.content) == []
    assert manifest_url_in(response.content) == "https://trustdesk.test" + keyed("manifest", acme)


def test_a_refused_build_shows_the_reasons_and_no_download(client_for, superuser, settings, acme):
    settings.TRUSTDESK_PUBLIC_URL = "http://trustdesk.example.com"
    client = client_for(superuser)

    page = client.get(ACCOUNT)
    download = client.get(DOWNLOAD)

    html = page.content.decode()
    assert page.status_code == 200
    assert "The app cannot be built" in html
    assert "Set TRUSTDESK_PUBLIC_URL to the https address" in html
    assert DOWNLOAD not in html
    assert (download.status_code, download["Location"]) == (302, ACCOUNT)


@pytest.mark.parametrize("role", ROLES)
def test_rotating_replaces_the_secret_the_old_address_is_unknown_and_the_new_one_works(
    client_for, client, request, role, acme
):
    old_secret, old_manifest = acme.url_secret.reveal(), keyed("manifest", acme)
    staff = client_for(request.getfixturevalue(role))

    response = staff.post(ROTATE)

    acme.refresh_from_db()
    new_secret = acme.url_secret.reveal()
    assert (response.status_code, response["Location"]) == (302, ACCOUNT)
    assert new_secret != old_secret
    refused = client.get(old_manifest)
    assert (refused.status_code, refused.json()["error"]) == (404, "unknown_app_address")
    served = client.get(keyed("manifest", acme))
    assert served.status_code == 200
    assert all(f"/zendesk/a/{new_secret}/" in url for url in served.json()["urls"].values())
    page = staff.get(ACCOUNT).content.decode()
    assert f"https://trustdesk.test/zendesk/a/{new_secret}/manifest.json" in page
    assert old_secret not in page
    assert "The secret address of acme was replaced" in page
    assert (
        manifest_url_in(staff.get(DOWNLOAD).content) == f"https://trustdesk.test/zendesk/a/{new_secret}/manifest.json"
    )


def test_rotate_answers_only_post(client_for, superuser, acme):
    secret = acme.url_secret.reveal()

    response = client_for(superuser).get(ROTATE)

    acme.refresh_from_db()
    assert response.status_code == 405
    assert acme.url_secret.reveal() == secret


@pytest.mark.parametrize("who", ["plain_staff", "account_viewer"])
def test_staff_neither_superuser_nor_support_manager_is_forbidden_everything(client_for, request, who, acme):
    secret = acme.url_secret.reveal()
    client = client_for(request.getfixturevalue(who))

    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"subdomain": "globex"}).status_code == 403
    assert client.get(ACCOUNT).status_code == 403
    assert client.get(DOWNLOAD).status_code == 403
    assert client.post(ROTATE).status_code == 403
    acme.refresh_from_db()
    assert acme.url_secret.reveal() == secret
    assert list(ZendeskAccount.objects.values_list("subdomain", flat=True)) == ["acme"]


def test_the_account_viewer_may_still_see_zendesk_accounts_in_the_admin(client_for, account_viewer, acme):
    # The 403s above come from the app pages' own rule, not from a missing permission.
    client = client_for(account_viewer)

    assert client.get("/admin/integrations/zendeskaccount/").status_code == 200


@pytest.mark.parametrize("url", [PAGE, ACCOUNT, DOWNLOAD, ROTATE])
def test_anonymous_is_sent_to_the_login_page(client_for, url, acme):
    client = client_for(None)
    secret = acme.url_secret.reveal()

    response = client.post(url) if url == ROTATE else client.get(url)

    acme.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert acme.url_secret.reveal() == secret


@pytest.mark.parametrize(
    ("role", "linked"),
    [("superuser", True), ("support_manager", True), ("plain_staff", False), ("account_viewer", False)],
)
def test_the_admin_user_links_show_the_page_to_whoever_may_see_it(client_for, request, role, linked):
    html = client_for(request.getfixturevalue(role)).get("/admin/").content.decode()

    assert (f'<a href="{PAGE}">Zendesk app</a>' in html) is linked
    assert "Log out" in html
