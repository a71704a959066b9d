"""The app zip TrustDesk builds: its files, its manifest_url, and its refusal of an http public URL."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from integrations.zendesk_app.archive import png_size
from integrations.zendesk_app.build import AppPackageRefused, app_package_build
from integrations.zendesk_app.validate import app_package_problems
from tests.zendesk_schemas import validate

FILES = (
    "assets/logo-small.png",
    "assets/logo.png",
    "manifest.json",
    "requirements.json",
    "translations/en.json",
    "translations/fr.json",
)


def opened(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


def read_json(content: bytes, name: str) -> dict[str, object]:
    return json.loads(opened(content).read(name))


def test_the_built_package_passes_the_validator_and_holds_exactly_its_files():
    package = app_package_build()

    assert app_package_problems(package.content) == []
    assert package.filenames == FILES
    assert tuple(opened(package.content).namelist()) == FILES


def test_two_builds_are_byte_identical_with_fixed_dates():
    first, second = app_package_build(), app_package_build()

    assert first.content == second.content
    assert {info.date_time for info in opened(first.content).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_manifest_is_a_private_requirements_only_app_with_json_booleans(settings):
    settings.ZENDESK_APP_AUTHOR_NAME = "Acme Support"
    settings.ZENDESK_APP_AUTHOR_EMAIL = "help@acme.example"
    settings.ZENDESK_APP_AUTHOR_URL = "https://acme.example"

    manifest = read_json(app_package_build().content, "manifest.json")

    assert manifest == {
        "name": "Trustpilot Reviews by TrustDesk",
        "author": {"name": "Acme Support", "email": "help@acme.example", "url": "https://acme.example"},
        "defaultLocale": "en",
        "private": True,
        "version": "1.0.0",
        "singleInstall": True,
        "requirementsOnly": True,
    }


def test_the_translations_tell_the_admin_what_to_do_after_installing():
    content = app_package_build().content

    english = read_json(content, "translations/en.json")["app"]
    french = read_json(content, "translations/fr.json")["app"]

    assert english["name"] == french["name"] == "Trustpilot Reviews by TrustDesk"
    assert "Add account" in english["installation_instructions"]
    assert "Trustpilot Business" in english["installation_instructions"]
    assert "Ajouter un compte" in french["installation_instructions"]
    assert set(english) == set(french) == {"name", "short_description", "long_description", "installation_instructions"}


def test_the_logos_are_pngs_of_zendesk_sizes():
    archive = opened(app_package_build().content)

    assert png_size(archive.read("assets/logo.png")) == (320, 320)
    assert png_size(archive.read("assets/logo-small.png")) == (128, 128)


@pytest.mark.django_db
def test_the_manifest_url_is_where_the_manifest_view_serves_a_valid_manifest():
    package = app_package_build()
    requirements = read_json(package.content, "requirements.json")

    (integration,) = requirements["channel_integrations"].values()
    response = Client().get(urlsplit(integration["manifest_url"]).path)

    assert integration["manifest_url"] == package.manifest_url == "https://trustdesk.test" + reverse("zendesk:manifest")
    assert response.status_code == 200
    validate("manifest.json", response.json())
    assert response.json()["id"] == package.manifest_url


def test_a_public_url_given_to_the_builder_wins_over_the_setting():
    package = app_package_build(public_url="https://reviews.acme.example/")

    assert package.manifest_url == "https://reviews.acme.example/zendesk/manifest.json"
    assert app_package_problems(package.content) == []


def test_an_http_public_url_is_refused_saying_what_to_set(settings):
    settings.TRUSTDESK_PUBLIC_URL = "http://127.0.0.1:8000"

    with pytest.raises(AppPackageRefused) as refused:
        app_package_build()

    (problem,) = refused.value.problems
    assert "'http://127.0.0.1:8000'" in problem
    assert "Set TRUSTDESK_PUBLIC_URL to the https address" in problem


def test_settings_that_break_a_zendesk_rule_refuse_the_build(settings):
    settings.ZENDESK_APP_AUTHOR_URL = "trustdesk.example.com"

    with pytest.raises(AppPackageRefused) as refused:
        app_package_build()

    assert refused.value.problems == ['manifest.json: author.url "trustdesk.example.com" is not a valid http(s) URL.']
