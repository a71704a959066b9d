"""Connect TrustDesk to the sandbox's demo business user, so a first `make run` shows reviews arriving.

A shortcut for the demo only: tokens are issued by the sandbox directly instead of through its
sign-in page, and the account's webhook URL is subscribed for the demo's units as a person would paste
it into Trustpilot Business, so a review written in the sandbox reaches TrustDesk within seconds.
Connecting a real account goes through Trustpilot's "Allow" page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.trustpilot_webhooks import webhook_url
from reviews.models import TrustpilotAccount
from reviews.services.accounts import account_connect, domains_enable
from reviews.trustpilot.types import BusinessUnit, BusinessUser, TokenSet
from sandbox.trustpilot import auth, oauth, seed, webhooks


class Command(BaseCommand):
    help = "Connects TrustDesk to the Trustpilot sandbox's demo account and enables its domains (sandbox only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.TRUSTDESK_SANDBOX:
            raise CommandError("TRUSTDESK_SANDBOX is off: connect real Trustpilot accounts from Zendesk instead.")
        demo = seed.demo_account_get_or_create()
        connected = TrustpilotAccount.objects.filter(
            business_user_id=demo.user.id, status=TrustpilotAccount.Status.CONNECTED
        ).first()
        if connected is not None:
            self.subscribe(demo, connected)
            self.stdout.write(f"TrustDesk is already connected to the sandbox's {demo.user.name}.")
            return
        issued = oauth.tokens_issue(user=demo.user, api_key=auth.API_KEY)
        tokens = TokenSet(
            access_token=issued.access.value,
            refresh_token=issued.refresh.value,
            access_expires_at=issued.access.expires_at.astimezone(UTC),
            refresh_expires_at=issued.refresh.expires_at.astimezone(UTC),
        )
        user = BusinessUser(id=demo.user.id, name=demo.user.name, email=demo.user.email)
        account = account_connect(user=user, tokens=tokens, connected_by="manage.py connect_sandbox")
        units = [BusinessUnit(id=u.id, name=u.identifying_name, display_name=u.display_name) for u in demo.units]
        domains = domains_enable(account=account, units=units)
        self.subscribe(demo, account)
        self.stdout.write(
            f"Connected to the sandbox's {account.name} at {datetime.now(UTC):%H:%M} UTC; polling "
            + ", ".join(domain.name for domain in domains)
        )

    def subscribe(self, demo: seed.DemoAccount, account: TrustpilotAccount) -> None:
        url = webhook_url(account)
        ours = url.rsplit("/", 1)[0] + "/"  # an earlier URL of this TrustDesk (rotated since) goes
        for unit in demo.units:
            others = [s.url for s in unit.webhook_subscriptions.all() if not s.url.startswith(ours)]
            webhooks.subscriptions_set(unit, [*others, url])
        self.stdout.write("Subscribed TrustDesk's webhook URL to the sandbox's service-review events.")
