"""Write the private Zendesk app zip an admin uploads to install TrustDesk's Trustpilot channel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.zendesk_app.build import ARCHIVE_NAME, AppPackageRefused, app_package_build
from trustdesk.env import BASE_DIR

DEFAULT_OUTPUT = BASE_DIR / "dist" / ARCHIVE_NAME


class Command(BaseCommand):
    help = "Builds the private Zendesk app zip (checked against Zendesk's app rules) pointing at this TrustDesk."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help=f"Default: {DEFAULT_OUTPUT}")

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        try:
            package = app_package_build()
        except AppPackageRefused as refused:
            reasons = "\n".join(f"- {problem}" for problem in refused.problems)
            raise CommandError(f"The Zendesk app was not built:\n{reasons}") from None
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(package.content)
        self.stdout.write(f"Wrote {output} ({len(package.content)} bytes).")
        self.stdout.write(f"manifest_url: {package.manifest_url}")
        for name in package.filenames:
            self.stdout.write(f"  {name}")
