"""manage.py build_zendesk_app writes the zip or says why it cannot."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.zendesk_app.validate import app_package_problems


def test_the_command_writes_a_valid_zip_and_lists_it(tmp_path):
    output = tmp_path / "out" / "app.zip"
    stdout = StringIO()

    call_command("build_zendesk_app", output=output, stdout=stdout)

    assert app_package_problems(output.read_bytes()) == []
    printed = stdout.getvalue()
    assert "manifest_url: https://trustdesk.test/zendesk/manifest.json" in printed
    assert "  translations/fr.json" in printed
    assert "  assets/logo.png" in printed


def test_the_command_fails_with_the_reasons_on_an_http_public_url(tmp_path, settings):
    settings.TRUSTDESK_PUBLIC_URL = "http://trustdesk.example.com"
    output = tmp_path / "app.zip"

    with pytest.raises(CommandError) as failed:
        call_command("build_zendesk_app", output=output, stdout=StringIO())

    assert "The Zendesk app was not built" in str(failed.value)
    assert "Set TRUSTDESK_PUBLIC_URL to the https address" in str(failed.value)
    assert not output.exists()
