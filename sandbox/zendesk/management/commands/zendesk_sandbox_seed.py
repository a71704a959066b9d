"""Seed a Zendesk sandbox account and print its API credentials; safe to run again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import ZendeskAccount
from sandbox.control import CONTROL_HEADER
from sandbox.zendesk.connect import zendesk_sandbox_connect
from sandbox.zendesk.models import SandboxZendesk
from sandbox.zendesk.seed import zendesk_sandbox_seed


class Command(BaseCommand):
    help = (
        "Creates a Zendesk sandbox account (custom roles, 120 groups, agents, TrustDesk's app installation) "
        "and prints its API user, token and installation id, and the header its /_control endpoints need. "
        "--connect also points TrustDesk's Zendesk account for that subdomain at it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subdomain", default="demo")
        parser.add_argument("--plan", choices=SandboxZendesk.Plan.values, default=SandboxZendesk.Plan.ENTERPRISE)
        parser.add_argument(
            "--connect", action="store_true", help="Create or update the ZendeskAccount with these credentials."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        subdomain: str = options["subdomain"].strip().lower()
        if not subdomain:
            raise CommandError("--subdomain cannot be empty.")
        if options["connect"] and not settings.TRUSTDESK_SANDBOX:
            raise CommandError("TRUSTDESK_SANDBOX is off: TrustDesk would call the real Zendesk with sandbox tokens.")
        seeded = zendesk_sandbox_seed(subdomain=subdomain, plan=options["plan"])
        state = "Created" if seeded.created else "Found"
        self.stdout.write(f"{state} sandbox Zendesk account {subdomain!r} ({seeded.plan} plan)")
        self.stdout.write(f"API base:        {settings.ZENDESK_API_URL.format(subdomain=subdomain)}")
        self.stdout.write(f"API user:        {seeded.api_user}")
        self.stdout.write(f"API token:       {seeded.api_token}")
        self.stdout.write(f"Installation id: {seeded.installation_id}")
        self.stdout.write(f"Control header:  {CONTROL_HEADER}: {settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN}")
        if options["connect"]:
            account = zendesk_sandbox_connect(subdomain=subdomain)
            self.stdout.write(self.style.SUCCESS(f"TrustDesk's Zendesk account {account.subdomain} uses these."))
            if account.status == ZendeskAccount.Status.DISCONNECTED:
                self.stdout.write(self.style.WARNING("That Zendesk account is disconnected in TrustDesk."))
        if not settings.TRUSTDESK_SANDBOX:
            self.stdout.write(self.style.WARNING("TRUSTDESK_SANDBOX is off: set it to 1 to serve the sandbox."))
