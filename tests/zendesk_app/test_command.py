"""manage.py build_zendesk_app <subdomain> writes that account's zip or says why it cannot."""

from __future__ import annotations

import io
import json
import zipfile
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from integrations.management.commands import build_zendesk_app
from integrations.models import ZendeskAccount
from integrations.zendesk_app.validate import app_package_problems
from tests.zendesk_requests import keyed

pytestmark = pytest.mark.django_db


def manifest_url_in(content: bytes) -> str:
    requirements = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("requirements.json"))
    (integration,) = requirements["channel_integrations"].values()
    return str(integration["manifest_url"])


def test_the_command_writes_a_valid_zip_and_lists_it(tmp_path):
    output = tmp_path / "out" / "app.zip"
    stdout = StringIO()

    call_command("build_zendesk_app", "acme", output=output, stdout=stdout)

    assert app_package_problems(output.read_bytes()) == []
    secret = ZendeskAccount.objects.get(subdomain="acme").url_secret.reveal()
    printed = stdout.getvalue()
    assert f"manifest_url: https://trustdesk.test/zendesk/a/{secret}/manifest.json" in printed
    assert "  translations/fr.json" in printed
    assert "  assets/logo.png" in printed


def test_building_for_a_subdomain_makes_the_account_and_its_zip_points_at_its_keyed_manifest(tmp_path):
    output = tmp_path / "app.zip"

    call_command("build_zendesk_app", "Acme", output=output, stdout=StringIO())

    account = ZendeskAccount.objects.get()
    assert account.subdomain == "acme"
    secret = account.url_secret.reveal()
    manifest_url = manifest_url_in(output.read_bytes())
    assert manifest_url == "https://trustdesk.test" + keyed("manifest", account)
    response = Client().get(urlsplit(manifest_url).path)
    assert response.status_code == 200
    urls = response.json()["urls"]
    assert set(urls) == {
        "admin_ui",
        "pull_url",
        "channelback_url",
        "clickthrough_url",
        "healthcheck_url",
        "event_callback_url",
        "about_url",
    }
    assert all(url.startswith(f"https://trustdesk.test/zendesk/a/{secret}/") for url in urls.values())


def test_building_again_keeps_the_accounts_secret_and_gives_the_same_zip(tmp_path):
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"

    call_command("build_zendesk_app", "acme", output=first, stdout=StringIO())
    call_command("build_zendesk_app", "acme", output=second, stdout=StringIO())

    assert ZendeskAccount.objects.count() == 1
    assert first.read_bytes() == second.read_bytes()


def test_the_default_output_is_named_after_the_subdomain(tmp_path, monkeypatch):
    monkeypatch.setattr(build_zendesk_app, "DEFAULT_OUTPUT", tmp_path)
    stdout = StringIO()

    call_command("build_zendesk_app", "acme", stdout=stdout)

    written = tmp_path / "trustdesk-zendesk-app-acme.zip"
    assert app_package_problems(written.read_bytes()) == []
    assert f"Wrote {written} (" in stdout.getvalue()


def test_the_subdomain_is_required():
    with pytest.raises(CommandError) as failed:
        call_command("build_zendesk_app", stdout=StringIO())

    assert "subdomain" in str(failed.value)
    assert not ZendeskAccount.objects.exists()


def test_the_zendesk_host_names_its_subdomain(tmp_path):
    call_command("build_zendesk_app", " Acme.zendesk.com", output=tmp_path / "app.zip", stdout=StringIO())

    assert list(ZendeskAccount.objects.values_list("subdomain", flat=True)) == ["acme"]


@pytest.mark.parametrize("subdomain", ["acme.example.com", "ac me", "acme/../evil", ""])
def test_what_is_not_a_subdomain_is_refused_and_makes_no_account(tmp_path, subdomain):
    output = tmp_path / "app.zip"

    with pytest.raises(CommandError) as failed:
        call_command("build_zendesk_app", subdomain, output=output, stdout=StringIO())

    assert "is not a Zendesk subdomain" in str(failed.value)
    assert not ZendeskAccount.objects.exists()
    assert not output.exists()


def test_the_command_fails_with_the_reasons_on_an_http_public_url(tmp_path, settings):
    settings.TRUSTDESK_PUBLIC_URL = "http://trustdesk.example.com"
    output = tmp_path / "app.zip"

    with pytest.raises(CommandError) as failed:
        call_command("build_zendesk_app", "acme", output=output, stdout=StringIO())

    assert "The Zendesk app was not built" in str(failed.value)
    assert "Set TRUSTDESK_PUBLIC_URL to the https address" in str(failed.value)
    assert not output.exists()
