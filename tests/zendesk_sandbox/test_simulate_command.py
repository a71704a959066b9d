"""`manage.py zendesk_simulate --app`: Zendesk knows TrustDesk only by the app an admin installed."""

from __future__ import annotations

import pytest
from django.core.management.base import CommandError

from integrations.app_address import account_for_app
from integrations.zendesk_app.build import app_package_build
from sandbox.zendesk.management.commands.zendesk_simulate import manifest_url_of_app


@pytest.mark.django_db
def test_the_manifest_url_comes_from_the_installed_apps_requirements(tmp_path):
    package = app_package_build(account_for_app("acme"), public_url="https://trustdesk.example.com")
    app = tmp_path / "app.zip"
    app.write_bytes(package.content)

    assert manifest_url_of_app(app) == package.manifest_url
    assert package.manifest_url.startswith("https://trustdesk.example.com/zendesk/a/")


def test_a_file_that_is_not_an_app_zip_is_refused_by_name(tmp_path):
    other = tmp_path / "notes.zip"
    other.write_text("not a zip")

    with pytest.raises(CommandError, match=r"notes\.zip is not a Zendesk app zip"):
        manifest_url_of_app(other)
