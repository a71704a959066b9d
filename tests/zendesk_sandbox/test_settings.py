"""With the sandbox on, ZENDESK_API_URL defaults to the sandbox under TRUSTDESK_PUBLIC_URL."""

from __future__ import annotations

from tests.test_configuration import run_manage

SCRIPT = "from django.conf import settings; print(settings.ZENDESK_API_URL)"


def test_the_sandbox_points_the_zendesk_api_at_itself(tmp_path):
    result = run_manage(tmp_path, ["shell", "-c", SCRIPT], DEBUG="1", TRUSTDESK_SANDBOX="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "http://127.0.0.1:8000/sandbox/zendesk/{subdomain}"


def test_without_the_sandbox_the_zendesk_api_is_zendesks(tmp_path):
    result = run_manage(tmp_path, ["shell", "-c", SCRIPT], DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "https://{subdomain}.zendesk.com"


def test_an_explicit_zendesk_api_url_wins_over_the_sandbox(tmp_path):
    values = {"DEBUG": "1", "TRUSTDESK_SANDBOX": "1", "ZENDESK_API_URL": "https://{subdomain}.zendesk.test"}

    result = run_manage(tmp_path, ["shell", "-c", SCRIPT], **values)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "https://{subdomain}.zendesk.test"
