"""Play Zendesk against a running TrustDesk: add an account, pull, report tickets, reply."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.app_address import manifest_url_for
from sandbox.simulator import Simulation, SimulationError, describe


class Command(BaseCommand):
    help = (
        "Plays Zendesk against a running TrustDesk (default http://127.0.0.1:8000): adds an account through "
        "admin_ui and the Trustpilot sign-in page, pulls until empty, reports the tickets, sends a reply."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="TrustDesk's base URL")
        parser.add_argument(
            "--subdomain",
            default="demo",
            help="The Zendesk subdomain to pretend to be (make run seeds the Zendesk sandbox's demo)",
        )
        parser.add_argument("--email", default="demo@trustdesk.test", help="Trustpilot Business login")
        parser.add_argument("--password", default="sandbox", help="Trustpilot Business password")
        parser.add_argument("--days", type=int, default=365, choices=[7, 30, 90, 365], help="Sync unanswered period")
        parser.add_argument("--wait", type=float, default=60.0, help="Seconds to keep pulling for the first tickets")
        parser.add_argument(
            "--app",
            type=Path,
            help="The account's Zendesk app zip (manage.py build_zendesk_app), as installed in Zendesk: its manifest "
            "URL is used instead of this database's, so TrustDesk may run elsewhere with its own database",
        )

    def handle(self, *args: Any, url: str, subdomain: str, email: str, password: str, days: int, **kw: Any) -> None:
        app: Path | None = kw["app"]
        simulation = Simulation(
            url=url,
            manifest_url=manifest_url_of_app(app) if app else manifest_url_for(subdomain, base=url),
            subdomain=subdomain,
            email=email,
            password=password,
            sync_days=days,
            wait=kw["wait"],
            say=self.stdout.write,
        )
        try:
            tickets = simulation.run()
        except (SimulationError, OSError) as exc:
            raise CommandError(f"The simulation stopped: {exc}") from None
        self.stdout.write(f"\nTickets Zendesk would show ({len(tickets)}):")
        for line in describe(tickets):
            self.stdout.write(line)


def manifest_url_of_app(path: Path) -> str:
    """Where an installed app sends Zendesk for the manifest: requirements.json in the app's zip."""
    try:
        with zipfile.ZipFile(path) as app:
            requirements = json.loads(app.read("requirements.json"))
        integrations = list(requirements["channel_integrations"].values())
        return str(integrations[0]["manifest_url"])
    except (OSError, KeyError, IndexError, ValueError, zipfile.BadZipFile) as exc:
        raise CommandError(f"{path} is not a Zendesk app zip with a channel integration: {exc}") from None
