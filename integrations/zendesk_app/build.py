"""The private app zip a Zendesk admin uploads to install TrustDesk's channel (docs/zendesk.md §9)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from integrations.app_address import keyed_url
from integrations.models import ZendeskAccount
from integrations.zendesk_app.texts import APP_NAME, TRANSLATIONS
from integrations.zendesk_app.validate import app_package_problems

# Bump when the zip's contents change, so an admin can tell an upload apart from the installed one.
APP_VERSION = "1.0.0"
ARCHIVE_NAME = "trustdesk-zendesk-app-{subdomain}.zip"
# The requirement's identifier inside Zendesk; the manifest_url it carries can never change once installed.
INTEGRATION_KEY = "trustpilot_reviews"
DEFAULT_LOCALE = "en"
ASSETS = Path(__file__).resolve().parent / "assets"
LOGOS = ("logo.png", "logo-small.png")
# Every entry gets the same date and mode, so the same inputs give byte-identical zips.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644


@dataclass(frozen=True)
class AppPackage:
    content: bytes
    manifest_url: str
    filenames: tuple[str, ...]


class AppPackageRefused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def archive_name(account: ZendeskAccount) -> str:
    return ARCHIVE_NAME.format(subdomain=account.subdomain)


def app_manifest_url(account: ZendeskAccount, *, public_url: str | None = None) -> str:
    """Where this account's Zendesk reads the integration manifest: under the account's secret app address."""
    return keyed_url(account, "manifest", base=public_url)


def app_package_build(account: ZendeskAccount, *, public_url: str | None = None) -> AppPackage:
    """The zip for one Zendesk account, checked against Zendesk's rules; raises AppPackageRefused rather than
    return one Zendesk refuses. It holds the account's secret: whoever has it can call TrustDesk as that account."""
    base = (public_url or settings.TRUSTDESK_PUBLIC_URL).rstrip("/")
    problems = public_url_problems(base)
    if problems:
        raise AppPackageRefused(problems)
    manifest_url = app_manifest_url(account, public_url=base)
    files = app_files(manifest_url)
    content = zip_files(files)
    problems = app_package_problems(content)
    if problems:
        raise AppPackageRefused(problems)
    return AppPackage(content=content, manifest_url=manifest_url, filenames=tuple(sorted(files)))


def public_url_problems(base: str) -> list[str]:
    parts = urlsplit(base)
    if parts.scheme == "https" and parts.netloc:
        return []
    return [
        f"TrustDesk's public URL is {base!r}, but Zendesk installs a channel integration only from an https "
        "manifest_url. Set TRUSTDESK_PUBLIC_URL to the https address at which Zendesk reaches TrustDesk "
        "(for example https://trustdesk.example.com)."
    ]


def app_files(manifest_url: str) -> dict[str, bytes]:
    files = {
        "manifest.json": as_json(app_manifest()),
        "requirements.json": as_json({"channel_integrations": {INTEGRATION_KEY: {"manifest_url": manifest_url}}}),
        **{f"translations/{locale}.json": as_json({"app": texts}) for locale, texts in TRANSLATIONS.items()},
        **{f"assets/{logo}": (ASSETS / logo).read_bytes() for logo in LOGOS},
    }
    return files


def app_manifest() -> dict[str, Any]:
    return {
        "name": APP_NAME,
        "author": {
            "name": settings.ZENDESK_APP_AUTHOR_NAME,
            "email": settings.ZENDESK_APP_AUTHOR_EMAIL,
            "url": settings.ZENDESK_APP_AUTHOR_URL,
        },
        "defaultLocale": DEFAULT_LOCALE,
        "private": True,
        "version": APP_VERSION,
        "singleInstall": True,
        "requirementsOnly": True,
    }


def as_json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def zip_files(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode below is read as file permissions
            info.external_attr = FILE_MODE << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
