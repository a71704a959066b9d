"""The one module that reads TrustDesk's configuration from the environment.

Every key is documented in `.env.example` and in docs/configuration.md. A key that is
missing or malformed raises ImproperlyConfigured with a message naming it, so a misconfigured
process stops at start instead of failing later in a request or a task.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Development values: used only with DEBUG on, refused with DEBUG off.
DEV_SECRET_KEY = "django-insecure-trustdesk-development-only"  # noqa: S105 (refused when DEBUG is off)
DEV_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZHVjdGk="

SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql", "psql")
SUPPORTED_BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp", "filesystem")

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")


def fail(key: str, problem: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{key}: {problem} (see .env.example and docs/configuration.md).")


def read_str(key: str) -> str:
    return str(env.str(key, default=""))


def read_bool(key: str, default: bool) -> bool:
    raw = read_str(key)
    if raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise fail(key, f"expected a boolean (1/0, true/false, yes/no, on/off), got {raw!r}")


def read_int(key: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = read_str(key)
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise fail(key, f"expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise fail(key, f"must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise fail(key, f"must be at most {maximum}, got {value}")
    return value


def read_sandbox_switch(debug: bool) -> bool:
    """TRUSTDESK_SANDBOX, refused without DEBUG unless TRUSTDESK_SANDBOX_WITHOUT_DEBUG says it is meant.

    The sandboxes accept any password and hand out tokens to anyone: on a public host they would let a
    stranger connect fake accounts, so one forgotten variable must not turn them on in production.
    """
    if not read_bool("TRUSTDESK_SANDBOX", False):
        return False
    if not debug and not read_bool("TRUSTDESK_SANDBOX_WITHOUT_DEBUG", False):
        raise fail(
            "TRUSTDESK_SANDBOX",
            "the sandboxes are for development and tests: set DEBUG=1, or set TRUSTDESK_SANDBOX_WITHOUT_DEBUG=1 "
            "as well if this server is not production",
        )
    return True


def derived_token(secret_key: str, purpose: str) -> str:
    """A token every process of one deployment derives alike from SECRET_KEY, distinct per purpose."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def read_list(key: str, default: list[str]) -> list[str]:
    raw = read_str(key)
    if raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_choice(key: str, default: str, choices: tuple[str, ...]) -> str:
    value = (read_str(key) or default).upper()
    if value not in choices:
        raise fail(key, f"expected one of {', '.join(choices)}, got {value!r}")
    return value


def read_secret_key(debug: bool) -> str:
    value = read_str("SECRET_KEY")
    if debug:
        return value or DEV_SECRET_KEY
    if not value:
        raise fail("SECRET_KEY", "missing; it is required when DEBUG is off")
    if value == DEV_SECRET_KEY or value.startswith("django-insecure"):
        raise fail("SECRET_KEY", "is a development key; set a long random value when DEBUG is off")
    if len(value) < 32:
        raise fail("SECRET_KEY", "is too short; use at least 32 random characters")
    return value


def read_encryption_keys(debug: bool) -> list[str]:
    keys = read_list("TRUSTDESK_ENCRYPTION_KEYS", [])
    if not keys:
        if debug:
            return [DEV_ENCRYPTION_KEY]
        raise fail(
            "TRUSTDESK_ENCRYPTION_KEYS",
            "missing; it is required when DEBUG is off. Generate one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`',
        )
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise fail(
                "TRUSTDESK_ENCRYPTION_KEYS",
                f"key number {position} is not a valid Fernet key (32 url-safe base64-encoded bytes)",
            ) from None
        if key == DEV_ENCRYPTION_KEY and not debug:
            raise fail("TRUSTDESK_ENCRYPTION_KEYS", "contains the development key; it is refused when DEBUG is off")
    return keys


def read_database(default_sqlite: Path) -> dict[str, Any]:
    url = read_str("DATABASE_URL") or f"sqlite:///{default_sqlite}"
    scheme = urlsplit(url).scheme
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise fail(
            "DATABASE_URL",
            f"{_redact(url)!r} is not a database URL TrustDesk supports; "
            "expected sqlite:////absolute/path.sqlite3 or postgres://user:password@host:5432/name",
        )
    try:
        config: dict[str, Any] = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise fail("DATABASE_URL", f"{_redact(url)!r} cannot be parsed: {exc}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise fail("DATABASE_URL", f"{_redact(url)!r} names no database (add /name at the end)")
    config["CONN_MAX_AGE"] = read_int("DATABASE_CONN_MAX_AGE", 60)
    if scheme == "sqlite":
        # The embedded setup runs a web and a worker process on one file: WAL lets readers work during a
        # write, IMMEDIATE takes the write lock at BEGIN so two writers queue instead of deadlocking.
        config.setdefault("OPTIONS", {}).update(
            {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
        )
    return config


def read_broker_url() -> str:
    url = read_str("CELERY_BROKER_URL")
    if url and urlsplit(url).scheme not in SUPPORTED_BROKER_SCHEMES:
        raise fail(
            "CELERY_BROKER_URL",
            f"{_redact(url)!r} is not a broker URL TrustDesk supports; expected redis://host:6379/0 or "
            "amqp://user:password@host:5672//",
        )
    return url


def read_public_url(debug: bool) -> str:
    url = read_str("TRUSTDESK_PUBLIC_URL").rstrip("/")
    if not url:
        if debug:
            return "http://127.0.0.1:8000"
        raise fail("TRUSTDESK_PUBLIC_URL", "missing; Zendesk needs the https URL at which it reaches TrustDesk")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail("TRUSTDESK_PUBLIC_URL", f"{url!r} is not an absolute URL such as https://trustdesk.example.com")
    if parts.scheme != "https" and not debug:
        raise fail("TRUSTDESK_PUBLIC_URL", f"{url!r} must use https: Zendesk only calls https URLs")
    return url


def read_http_url(key: str, default: str) -> str:
    url = read_str(key) or default
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise fail(key, f"{url!r} is not an absolute http(s) URL")
    return url.rstrip("/")


def read_zendesk_api_url(default: str = "https://{subdomain}.zendesk.com") -> str:
    template = read_str("ZENDESK_API_URL") or default
    if "{subdomain}" not in template:
        raise fail("ZENDESK_API_URL", f"{template!r} must contain the placeholder {{subdomain}}")
    read_http_url("ZENDESK_API_URL", template.replace("{subdomain}", "example"))
    return template.rstrip("/")


def read_zendesk_host_patterns(key: str, default: list[str]) -> list[str]:
    """Host patterns for the Zendesk pages that open admin_ui, each naming the account's own host.

    A return_url is accepted only on the host of the very subdomain Zendesk posted, so every pattern
    must hold the placeholder {subdomain} (e.g. {subdomain}.zendesk.com); `*` and `?` are wildcards.
    """
    patterns = [pattern.lower() for pattern in read_list(key, default)]
    for pattern in patterns:
        if pattern.count("{subdomain}") != 1:
            raise fail(
                key, f"{pattern!r} must contain the placeholder {{subdomain}} once, e.g. {{subdomain}}.zendesk.com"
            )
        rest = pattern.replace("{subdomain}", "x")
        if not all(char.isalnum() or char in ".-*?" for char in rest):
            raise fail(key, f"{pattern!r} is not a host pattern: letters, digits, '.', '-', '*' and '?' only")
    return patterns


def read_url_template(key: str, default: str, placeholder: str) -> str:
    template = read_str(key) or default
    if placeholder not in template:
        raise fail(key, f"{template!r} must contain the placeholder {placeholder}")
    read_http_url(key, template.replace(placeholder, "x"))
    return template


def read_metrics_token(key: str) -> str:
    token = read_str(key)
    if token and len(token) < 24:
        raise fail(key, "is too short; use at least 24 random characters")
    return token


def read_networks(key: str) -> list[str]:
    """Client addresses or networks (CIDR), comma-separated, each normalised (10.0.0.7 becomes 10.0.0.7/32)."""
    networks = []
    for item in read_list(key, []):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise fail(key, f"{item!r} is not an IP address or network such as 10.0.0.0/8") from None
    return networks


def read_directory(key: str) -> str:
    path = read_str(key)
    if path and not Path(path).is_dir():
        raise fail(key, f"{path!r} is not an existing directory")
    return path


def read_multiprocess_dir(key: str) -> str:
    """prometheus_client's multiprocess directory, or "" with the variable removed from the environment.

    prometheus_client turns multiprocess mode on when the variable merely exists, and an empty one would have
    every process write its files into the working directory.
    """
    path = read_directory(key)
    if not path:
        os.environ.pop(key, None)
    return path


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
