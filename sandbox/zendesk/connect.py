"""Point TrustDesk's ZendeskAccount for a subdomain at the sandbox's account, so `make run` can load its directory."""

from __future__ import annotations

from django.db import transaction

from integrations.models import ZendeskAccount
from sandbox.zendesk.models import SandboxInstallation, SandboxZendesk


@transaction.atomic
def zendesk_sandbox_connect(*, subdomain: str) -> ZendeskAccount:
    """Create or update the ZendeskAccount with the sandbox account's API user, token and installation.

    The account's status is left alone: a disconnected account stays disconnected until an admin says otherwise.
    """
    zendesk = SandboxZendesk.objects.get(subdomain=subdomain)
    installation = (
        SandboxInstallation.objects.filter(account=zendesk, uninstalled_at__isnull=True).order_by("zendesk_id").first()
    )
    account, _ = ZendeskAccount.objects.get_or_create(subdomain=subdomain)
    account.api_user = zendesk.api_user
    account.api_token = zendesk.api_token
    account.installation_id = installation.zendesk_id if installation else None
    account.save(update_fields=["api_user", "api_token", "installation_id", "updated_at"])
    return account
