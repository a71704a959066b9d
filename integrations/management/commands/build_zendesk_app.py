"""Write the private Zendesk app zip an admin uploads to install TrustDesk's Trustpilot channel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.app_address import account_for_app, subdomain_typed
from integrations.zendesk_app.build import ARCHIVE_NAME, AppPackageRefused, app_package_build, archive_name
from trustdesk.env import BASE_DIR

DEFAULT_OUTPUT = BASE_DIR / "dist"


class Command(BaseCommand):
    help = (
        "Builds the private Zendesk app zip of one Zendesk account (checked against Zendesk's app rules), "
        "pointing at this TrustDesk under the account's secret address. The zip holds that secret."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("subdomain", help="The Zendesk account's subdomain: acme for acme.zendesk.com")
        parser.add_argument(
            "--output",
            type=Path,
            help=f"Default: {DEFAULT_OUTPUT}/{ARCHIVE_NAME.format(subdomain='<subdomain>')}",
        )

    def handle(self, *args: Any, subdomain: str, output: Path | None, **options: Any) -> None:
        typed = subdomain_typed(subdomain)
        if typed is None:
            raise CommandError(f"{subdomain!r} is not a Zendesk subdomain (letters, digits and hyphens only).")
        account = account_for_app(typed)
        output = output or DEFAULT_OUTPUT / archive_name(account)
        try:
            package = app_package_build(account)
        except AppPackageRefused as refused:
            reasons = "\n".join(f"- {problem}" for problem in refused.problems)
            raise CommandError(f"The Zendesk app was not built:\n{reasons}") from None
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(package.content)
        self.stdout.write(f"Wrote {output} ({len(package.content)} bytes).")
        self.stdout.write(f"manifest_url: {package.manifest_url} (secret: keep the zip private)")
        for name in package.filenames:
            self.stdout.write(f"  {name}")
