"""Configuration: embedded defaults, production refusals, malformed values, each with a message naming the key."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from trustdesk import env

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = Fernet.generate_key().decode()
GOOD_SECRET = "k" * 50

# Every key TrustDesk reads, so a test starts from an empty configuration whatever the shell or .env holds
# (read_env never overrides a variable that is set, even to "").
ALL_KEYS = (
    "DEBUG",
    "SECRET_KEY",
    "TRUSTDESK_ENCRYPTION_KEYS",
    "TRUSTDESK_PUBLIC_URL",
    "TRUSTDESK_SANDBOX",
    "TRUSTDESK_SANDBOX_WITHOUT_DEBUG",
    "TRUSTDESK_SANDBOX_CONTROL_TOKEN",
    "TRUSTPILOT_API_URL",
    "TRUSTPILOT_AUTHORIZE_URL",
    "TRUSTPILOT_API_KEY",
    "TRUSTPILOT_API_SECRET",
    "ZENDESK_API_URL",
    "ZENDESK_PUSH_CLIENT_ID",
    "ZENDESK_RETURN_URL_HOSTS",
    "ZENDESK_APP_AUTHOR_NAME",
    "ZENDESK_APP_AUTHOR_EMAIL",
    "ZENDESK_APP_AUTHOR_URL",
    "ZENDESK_ENFORCE_ACCESS_ON_CHANNELBACK",
    "ZENDESK_CHANNELBACK_TIME_BUDGET",
    "ZENDESK_MAX_REQUEST_BYTES",
    "DATABASE_URL",
    "DATABASE_CONN_MAX_AGE",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "ALLOWED_HOSTS",
    "USE_X_FORWARDED_PROTO",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "LOG_LEVEL",
    "TRUSTDESK_METRICS_TOKEN",
    "TRUSTDESK_METRICS_ALLOWED_IPS",
    "PROMETHEUS_MULTIPROC_DIR",
    "TRUSTDESK_METRICS_WORKER_PORT",
    "TRUSTDESK_METRICS_WORKER_ADDRESS",
    "TRUSTPILOT_TIMEOUT",
    "TRUSTPILOT_REVIEW_URL",
    "TRUSTPILOT_RATE_LIMIT_5MIN",
    "TRUSTPILOT_RATE_LIMIT_HOUR",
    "TRUSTPILOT_POLL_INTERVAL",
    "TRUSTPILOT_POLL_TICK",
    "TRUSTPILOT_RESERVE_PERCENT",
    "TRUSTPILOT_BACKFILL_PERCENT",
    "TRUSTPILOT_ACTIVE_WINDOW",
    "TRUSTPILOT_ACTIVE_WEIGHT",
    "TRUSTPILOT_WEBHOOK_WINDOW",
    "TRUSTPILOT_WEBHOOK_POLL_FACTOR",
    "TRUSTPILOT_POLL_OVERLAP",
    "TRUSTPILOT_FIRST_POLL_DAYS",
    "TRUSTPILOT_RESCAN_DAYS",
    "TRUSTPILOT_RESCAN_INTERVAL",
    "TRUSTPILOT_WEBHOOK_MAX_BYTES",
    "TRUSTPILOT_BACKFILL_WINDOW_DAYS",
    "TRUSTPILOT_BACKFILL_STALLED_AFTER",
    "TRUSTPILOT_BACKFILL_RESUME_INTERVAL",
    "TRUSTPILOT_REPLY_MAX_LENGTH",
    "TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS",
)


def run_manage(tmp_path: Path, args: list[str], **values: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py in a fresh process that reads only `values` as its configuration."""
    environment = {key: value for key, value in os.environ.items() if key not in ALL_KEYS}
    environment.update({key: "" for key in ALL_KEYS})
    environment.update({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", **values})
    environment["DJANGO_SETTINGS_MODULE"] = "trustdesk.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def run_check(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return run_manage(tmp_path, ["check"], **values)


def eager_setting(tmp_path: Path, **values: str) -> str:
    script = "from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)"
    result = run_manage(tmp_path, ["shell", "-c", script], **values)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def production(**values: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": GOOD_SECRET,
        "TRUSTDESK_ENCRYPTION_KEYS": GOOD_KEY,
        "TRUSTDESK_PUBLIC_URL": "https://trustdesk.example.com",
        **values,
    }


def test_debug_mode_starts_with_nothing_configured(tmp_path):
    result = run_check(tmp_path, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_mode_starts_with_its_required_keys(tmp_path):
    result = run_check(tmp_path, **production())

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY: missing; it is required when DEBUG is off"),
        ({"SECRET_KEY": env.DEV_SECRET_KEY}, "SECRET_KEY: is a development key"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY: is too short"),
        ({"TRUSTDESK_ENCRYPTION_KEYS": ""}, "TRUSTDESK_ENCRYPTION_KEYS: missing; it is required when DEBUG is off"),
        (
            {"TRUSTDESK_ENCRYPTION_KEYS": env.DEV_ENCRYPTION_KEY},
            "TRUSTDESK_ENCRYPTION_KEYS: contains the development key",
        ),
        ({"TRUSTDESK_ENCRYPTION_KEYS": f"{GOOD_KEY},not-a-key"}, "key number 2 is not a valid Fernet key"),
        ({"TRUSTDESK_PUBLIC_URL": ""}, "TRUSTDESK_PUBLIC_URL: missing"),
        (
            {"TRUSTDESK_PUBLIC_URL": "http://trustdesk.example.com"},
            "TRUSTDESK_PUBLIC_URL: 'http://trustdesk.example.com' must use https",
        ),
        (
            {"DATABASE_URL": "postgres//127.0.0.1/test"},
            "DATABASE_URL: 'postgres//127.0.0.1/test' is not a database URL",
        ),
        (
            {"DATABASE_URL": "mysql://root@127.0.0.1/test"},
            "DATABASE_URL: 'mysql://root@127.0.0.1/test' is not a database URL",
        ),
        (
            {"DATABASE_URL": "postgres://u:hunter2@db:notaport/x"},
            "DATABASE_URL: 'postgres://u:***@db:notaport/x' cannot be parsed",
        ),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432"}, "names no database"),
        ({"CELERY_BROKER_URL": "kafka://127.0.0.1"}, "CELERY_BROKER_URL: 'kafka://127.0.0.1' is not a broker URL"),
        (
            {"ZENDESK_API_URL": "https://zendesk.example.com"},
            "ZENDESK_API_URL: 'https://zendesk.example.com' must contain",
        ),
        ({"TRUSTPILOT_API_URL": "api.trustpilot.com"}, "TRUSTPILOT_API_URL: 'api.trustpilot.com' is not an absolute"),
        ({"TRUSTDESK_SANDBOX": "maybe"}, "TRUSTDESK_SANDBOX: expected a boolean"),
        ({"DATABASE_CONN_MAX_AGE": "forever"}, "DATABASE_CONN_MAX_AGE: expected a whole number"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL: expected one of"),
        ({"TRUSTPILOT_REVIEW_URL": "https://www.trustpilot.com/reviews/"}, "must contain the placeholder {review_id}"),
        ({"TRUSTDESK_METRICS_TOKEN": "short"}, "TRUSTDESK_METRICS_TOKEN: is too short"),
        ({"TRUSTDESK_METRICS_ALLOWED_IPS": "10.0.0.0/8,intranet"}, "'intranet' is not an IP address or network"),
        (
            {"PROMETHEUS_MULTIPROC_DIR": "/nonexistent/metrics"},
            "PROMETHEUS_MULTIPROC_DIR: '/nonexistent/metrics' is not",
        ),
        ({"TRUSTDESK_METRICS_WORKER_PORT": "9101"}, "TRUSTDESK_METRICS_WORKER_PORT: needs PROMETHEUS_MULTIPROC_DIR"),
    ],
)
def test_production_mode_refuses_a_bad_value_naming_the_key(tmp_path, values, message):
    result = run_check(tmp_path, **production(**values))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert "hunter2" not in result.stderr


def test_deploy_check_warns_about_missing_trustpilot_credentials_and_broker(tmp_path):
    result = run_manage(tmp_path, ["check", "--deploy", "--fail-level", "ERROR"], **production())

    assert result.returncode == 0, result.stderr
    assert "trustdesk.W001" in result.stderr
    assert "trustdesk.W002" in result.stderr


def test_tasks_run_in_process_without_a_broker_and_on_workers_with_one(tmp_path):
    assert eager_setting(tmp_path, DEBUG="1") == "True"
    assert eager_setting(tmp_path, DEBUG="1", CELERY_BROKER_URL="redis://127.0.0.1:6379/0") == "False"


@pytest.fixture
def clean_env(monkeypatch):
    for key in ALL_KEYS:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_database_defaults_to_an_sqlite_file(clean_env, tmp_path):
    config = env.read_database(tmp_path / "x.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "x.sqlite3")


def test_database_url_selects_postgresql(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")

    config = env.read_database(tmp_path / "x.sqlite3")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"], config["USER"]) == ("test", "127.0.0.1", 5432, "postgres")


def test_encryption_keys_keep_their_order_for_rotation(clean_env):
    second = Fernet.generate_key().decode()
    clean_env.setenv("TRUSTDESK_ENCRYPTION_KEYS", f" {GOOD_KEY} , {second} ")

    assert env.read_encryption_keys(debug=False) == [GOOD_KEY, second]


def test_debug_mode_uses_development_keys(clean_env):
    assert env.read_secret_key(debug=True) == env.DEV_SECRET_KEY
    assert env.read_encryption_keys(debug=True) == [env.DEV_ENCRYPTION_KEY]
    assert env.read_public_url(debug=True) == "http://127.0.0.1:8000"


def test_return_url_hosts_default_to_the_accounts_own_zendesk_host(clean_env):
    default = ["{subdomain}.zendesk.com"]
    assert env.read_zendesk_host_patterns("ZENDESK_RETURN_URL_HOSTS", default) == default
    clean_env.setenv("ZENDESK_RETURN_URL_HOSTS", "{subdomain}.zendesk.com, {SUBDOMAIN}.Zendesk-*.test")
    assert env.read_zendesk_host_patterns("ZENDESK_RETURN_URL_HOSTS", default) == [
        "{subdomain}.zendesk.com",
        "{subdomain}.zendesk-*.test",
    ]


@pytest.mark.parametrize("value", ["*.zendesk.com", "127.0.0.1", "{subdomain}.{subdomain}.test", "{subdomain}.evil/x"])
def test_a_return_url_host_pattern_without_the_accounts_subdomain_stops_the_start(clean_env, value):
    clean_env.setenv("ZENDESK_RETURN_URL_HOSTS", value)

    with pytest.raises(ImproperlyConfigured, match="ZENDESK_RETURN_URL_HOSTS"):
        env.read_zendesk_host_patterns("ZENDESK_RETURN_URL_HOSTS", ["{subdomain}.zendesk.com"])


def test_errors_are_improperly_configured_with_a_pointer_to_the_docs(clean_env):
    clean_env.setenv("DEBUG", "sometimes")

    with pytest.raises(ImproperlyConfigured, match=r"DEBUG: expected a boolean .* \(see .env.example"):
        env.read_bool("DEBUG", False)


def test_every_key_read_is_documented_in_env_example_and_the_configuration_table():
    sources = (ROOT / "trustdesk" / "settings.py").read_text() + (ROOT / "trustdesk" / "env.py").read_text()
    read = set(re.findall(r'read_\w+\(\s*"([A-Z][A-Z0-9_]+)"', sources))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    # docs/configuration.md's table follows .env.example: its first column names the same keys, no more.
    first_cells = re.findall(r"^\| ([^|]+) \|", (ROOT / "docs" / "configuration.md").read_text(), re.MULTILINE)
    tabled = {key for cell in first_cells for key in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}

    assert read == set(ALL_KEYS)
    assert read == documented
    assert tabled == documented


def test_the_sandbox_points_trustpilot_settings_at_itself(tmp_path):
    script = "from django.conf import settings as s; print(s.TRUSTPILOT_API_URL, s.TRUSTPILOT_AUTHORIZE_URL)"
    result = run_manage(tmp_path, ["shell", "-c", script], DEBUG="1", TRUSTDESK_SANDBOX="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == [
        "http://127.0.0.1:8000/sandbox/trustpilot",
        "http://127.0.0.1:8000/sandbox/trustpilot/authenticate",
    ]


def test_the_filesystem_broker_keeps_its_control_files_under_var(clean_env, tmp_path):
    clean_env.setenv("CELERY_BROKER_URL", "filesystem://")
    script = "from django.conf import settings; print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['control_folder'])"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tests.settings'; django.setup(); {script}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ},
        check=True,
    )

    assert result.stdout.strip() == str(ROOT / "var" / "celery-broker" / "control")


def test_an_empty_multiprocess_directory_leaves_prometheus_in_single_process_mode(tmp_path):
    script = "from trustdesk import metrics; from prometheus_client import values; print(values.ValueClass.__name__)"
    result = run_manage(tmp_path, ["shell", "-c", script], DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "MutexValue"
    assert not list(ROOT.glob("*.db"))
