"""A production start: no sandbox unless meant, a clean `check --deploy`, https enforced behind the proxy."""

from __future__ import annotations

import json
import secrets
import sqlite3
from pathlib import Path

from django.core.checks import ERROR

from tests.test_configuration import production, run_check, run_manage
from trustdesk import checks


def documented_production(**values: str) -> dict[str, str]:
    """README's "Deploy": behind a TLS proxy, with Trustpilot's keys and a broker."""
    return production(
        **{
            "SECRET_KEY": secrets.token_urlsafe(50),
            "USE_X_FORWARDED_PROTO": "1",
            "TRUSTPILOT_API_KEY": "production-api-key",
            "TRUSTPILOT_API_SECRET": "production-api-secret",
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
            **values,
        }
    )


def test_deploy_check_is_clean_with_the_documented_production_settings(tmp_path):
    result = run_manage(tmp_path, ["check", "--deploy"], **documented_production())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert result.stderr == ""


def test_the_sandbox_without_debug_is_refused_naming_both_settings(tmp_path):
    result = run_check(tmp_path, **production(TRUSTDESK_SANDBOX="1"))

    assert result.returncode != 0
    assert "ImproperlyConfigured: TRUSTDESK_SANDBOX:" in result.stderr
    assert "DEBUG=1" in result.stderr
    assert "TRUSTDESK_SANDBOX_WITHOUT_DEBUG=1" in result.stderr


def test_the_sandbox_without_debug_starts_when_meant_yet_fails_the_deploy_check(tmp_path):
    meant = {"TRUSTDESK_SANDBOX": "1", "TRUSTDESK_SANDBOX_WITHOUT_DEBUG": "1"}

    started = run_check(tmp_path, **production(**meant))
    deploy = run_manage(tmp_path, ["check", "--deploy"], **documented_production(**meant))

    assert started.returncode == 0, started.stderr
    assert deploy.returncode != 0
    assert "trustdesk.E001" in deploy.stderr
    assert "TRUSTDESK_SANDBOX is on" in deploy.stderr


def test_the_deploy_check_reports_the_sandbox_as_an_error_in_process(settings):
    settings.TRUSTDESK_SANDBOX = True
    assert [(message.id, message.level) for message in checks.check_sandbox_off(None)] == [("trustdesk.E001", ERROR)]
    settings.TRUSTDESK_SANDBOX = False
    assert checks.check_sandbox_off(None) == []


SANDBOX_PROBE = """
import json
from django.apps import apps
from django.test import Client
from django.urls import Resolver404, resolve

def resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True

paths = ["/sandbox/trustpilot/_control/faults", "/sandbox/trustpilot/v1/private/me",
         "/sandbox/zendesk/demo/_control/faults", "/sandbox/zendesk/demo/api/v2/groups.json"]
client = Client(HTTP_HOST="trustdesk.example.com", HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "installed": [name for name in ("sandbox.trustpilot", "sandbox.zendesk") if apps.is_installed(name)],
    "resolves": [path for path in paths if resolves(path)],
    "statuses": sorted({client.get(path).status_code for path in paths}),
}))
"""


def sandbox_tables(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert "integrations_zendeskaccount" in names
    return [name for name in names if name.startswith(("trustpilot_sandbox_", "zendesk_sandbox_"))]


def test_a_production_start_has_no_sandbox_apps_tables_or_urls(tmp_path):
    migrated = run_manage(tmp_path, ["migrate", "--no-input"], **production())
    probe = run_manage(tmp_path, ["shell", "-c", SANDBOX_PROBE], **production())

    assert migrated.returncode == 0, migrated.stderr
    assert sandbox_tables(tmp_path / "db.sqlite3") == []
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == {"installed": [], "resolves": [], "statuses": [404]}


def test_with_the_sandbox_on_the_same_start_has_its_apps_tables_and_urls(tmp_path):
    on = {"DEBUG": "1", "TRUSTDESK_SANDBOX": "1", "TRUSTDESK_PUBLIC_URL": "https://trustdesk.example.com"}
    migrated = run_manage(tmp_path, ["migrate", "--no-input"], **on)
    probe = run_manage(tmp_path, ["shell", "-c", SANDBOX_PROBE], **on)

    assert migrated.returncode == 0, migrated.stderr
    assert sandbox_tables(tmp_path / "db.sqlite3") != []
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["installed"] == ["sandbox.trustpilot", "sandbox.zendesk"]
    assert len(found["resolves"]) == 4


HTTPS_PROBE = """
import json
from django.conf import settings
from django.test import Client

client = Client(HTTP_HOST="trustdesk.example.com")
def seen(path, **headers):
    response = client.get(path, **headers)
    return [response.status_code, response.get("Location", ""), response.get("Strict-Transport-Security", "")]

print(json.dumps({
    "settings": [settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,
                 settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD],
    "http_page": seen("/"),
    "https_page": seen("/", HTTP_X_FORWARDED_PROTO="https"),
    "http_health": seen("/zendesk/healthcheck"),
    "https_health": seen("/zendesk/healthcheck", HTTP_X_FORWARDED_PROTO="https"),
}))
"""


def https_probe(tmp_path: Path, **values: str) -> dict[str, list[object]]:
    result = run_manage(tmp_path, ["shell", "-c", HTTPS_PROBE], **values)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_the_tls_proxy_http_is_redirected_and_https_gets_hsts(tmp_path):
    seen = https_probe(tmp_path, **documented_production())

    hsts = "max-age=31536000; includeSubDomains"
    assert seen["settings"] == [True, 31_536_000, True, False]
    assert seen["http_page"] == [301, "https://trustdesk.example.com/", ""]
    assert seen["https_page"] == [302, "/admin/", hsts]
    # A load balancer probing in plain http gets the healthcheck itself; Zendesk, through the proxy, gets https.
    assert seen["http_health"] == [200, "", ""]
    assert seen["https_health"] == [200, "", hsts]


def test_the_https_settings_are_off_without_the_proxy_or_with_debug_and_can_be_set(tmp_path):
    without_proxy = https_probe(tmp_path, **production())
    with_debug = https_probe(tmp_path, DEBUG="1", USE_X_FORWARDED_PROTO="1")
    chosen = https_probe(
        tmp_path,
        **documented_production(
            SECURE_SSL_REDIRECT="0",
            SECURE_HSTS_SECONDS="600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
            SECURE_HSTS_PRELOAD="1",
        ),
    )

    assert without_proxy["settings"] == [False, 0, True, False]
    assert without_proxy["http_page"][0] == 302
    assert with_debug["settings"] == [False, 0, True, False]
    assert chosen["settings"] == [False, 600, False, True]
    assert chosen["http_page"][0] == 302
    assert chosen["https_page"][2] == "max-age=600; preload"
