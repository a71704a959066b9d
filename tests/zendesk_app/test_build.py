"""The app zip TrustDesk builds for one Zendesk account: its files, its manifest_url at the account's secret
app address, and its refusal of an http public URL."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from integrations.app_address import account_for_app
from integrations.models import ZendeskAccount
from integrations.zendesk_app.archive import png_size
from integrations.zendesk_app.build import AppPackageRefused, app_manifest_url, app_package_build, archive_name
from integrations.zendesk_app.validate import app_package_problems
from tests.zendesk_schemas import validate

pytestmark = pytest.mark.django_db

FILES = (
    "assets/logo-small.png",
    "assets/logo.png",
    "manifest.json",
    "requirements.json",
    "translations/en.json",
    "translations/fr.json",
)


@pytest.fixture
def account() -> ZendeskAccount:
    return account_for_app("acme")


def opened(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def read_json(content: bytes, name: str) -> dict[str, object]:
    return json.loads(opened(content).read(name))


def test_the_built_package_passes_the_validator_and_holds_exactly_its_files(account):
    package = app_package_build(account)

    assert app_package_problems(package.content) == []
    assert package.filenames == FILES
    assert tuple(opened(package.content).namelist()) == FILES


def test_two_builds_are_byte_identical_with_fixed_dates(account):
    first, second = app_package_build(account), app_package_build(account)

    assert first.content == second.content
    assert {info.date_time for info in opened(first.content).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_manifest_is_a_private_requirements_only_app_with_json_booleans(account, settings):
    settings.ZENDESK_APP_AUTHOR_NAME = "Acme Support"
    settings.ZENDESK_APP_AUTHOR_EMAIL = "help@acme.example"
    settings.ZENDESK_APP_AUTHOR_URL = "https://acme.example"

    manifest = read_json(app_package_build(account).content, "manifest.json")

    assert manifest == {
        "name": "Trustpilot Reviews by TrustDesk",
        "author": {"name": "Acme Support", "email": "help@acme.example", "url": "https://acme.example"},
        "defaultLocale": "en",
        "private": True,
        "version": "1.0.0",
        "singleInstall": True,
        "requirementsOnly": True,
    }


def test_the_translations_tell_the_admin_what_to_do_after_installing(account):
    content = app_package_build(account).content

    english = read_json(content, "translations/en.json")["app"]
    french = read_json(content, "translations/fr.json")["app"]

    assert english["name"] == french["name"] == "Trustpilot Reviews by TrustDesk"
    assert "Add account" in english["installation_instructions"]
    assert "Trustpilot Business" in english["installation_instructions"]
    assert "Ajouter un compte" in french["installation_instructions"]
    assert set(english) == set(french) == {"name", "short_description", "long_description", "installation_instructions"}


def test_the_logos_are_pngs_of_zendesk_sizes(account):
    archive = opened(app_package_build(account).content)

    assert png_size(archive.read("assets/logo.png")) == (320, 320)
    assert png_size(archive.read("assets/logo-small.png")) == (128, 128)


def test_the_manifest_url_is_where_the_manifest_view_serves_a_valid_manifest_of_keyed_urls(account):
    package = app_package_build(account)
    requirements = read_json(package.content, "requirements.json")
    secret = account.url_secret.reveal()

    (integration,) = requirements["channel_integrations"].values()
    response = Client().get(urlsplit(integration["manifest_url"]).path)

    keyed_manifest = "https://trustdesk.test" + reverse("zendesk:manifest", kwargs={"secret": secret})
    assert integration["manifest_url"] == package.manifest_url == app_manifest_url(account) == keyed_manifest
    assert package.manifest_url == f"https://trustdesk.test/zendesk/a/{secret}/manifest.json"
    assert response.status_code == 200
    manifest = response.json()
    validate("manifest.json", manifest)
    # The id comes back in every event: it names the account, never its secret.
    assert manifest["id"] == "https://trustdesk.test/zendesk/accounts/acme"
    assert len(manifest["urls"]) == 7
    assert all(url.startswith(f"https://trustdesk.test/zendesk/a/{secret}/") for url in manifest["urls"].values())


def test_each_account_gets_its_own_zip_holding_only_its_own_secret(account):
    other = account_for_app("globex")

    acme, globex = app_package_build(account), app_package_build(other)

    assert (archive_name(account), archive_name(other)) == (
        "trustdesk-zendesk-app-acme.zip",
        "trustdesk-zendesk-app-globex.zip",
    )
    assert acme.content != globex.content
    assert other.url_secret.reveal() not in acme.manifest_url
    assert account.url_secret.reveal() not in globex.manifest_url
    assert app_package_problems(globex.content) == []


def test_a_public_url_given_to_the_builder_wins_over_the_setting(account):
    package = app_package_build(account, public_url="https://reviews.acme.example/")

    secret = account.url_secret.reveal()
    assert package.manifest_url == f"https://reviews.acme.example/zendesk/a/{secret}/manifest.json"
    assert app_package_problems(package.content) == []


def test_an_http_public_url_is_refused_saying_what_to_set(account, settings):
    settings.TRUSTDESK_PUBLIC_URL = "http://127.0.0.1:8000"

    with pytest.raises(AppPackageRefused) as refused:
        app_package_build(account)

    (problem,) = refused.value.problems
    assert "'http://127.0.0.1:8000'" in problem
    assert "Set TRUSTDESK_PUBLIC_URL to the https address" in problem


def test_settings_that_break_a_zendesk_rule_refuse_the_build(account, settings):
    settings.ZENDESK_APP_AUTHOR_URL = "trustdesk.example.com"

    with pytest.raises(AppPackageRefused) as refused:
        app_package_build(account)

    assert refused.value.problems == ['manifest.json: author.url "trustdesk.example.com" is not a valid http(s) URL.']
