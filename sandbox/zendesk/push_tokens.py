"""Push tokens: issued as Zendesk issues one with each admin_ui POST, checked by validate_token and push
(docs/zendesk.md §8), and the integration instance each was issued for."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from sandbox.zendesk.agent.models import ChannelAccount
from sandbox.zendesk.models import SandboxPushToken, SandboxZendesk

UNNAMED = "Trustpilot"


def push_token_issue(subdomain: str, instance_push_id: str) -> str:
    """A new push token for this integration instance of a seeded sandbox account; earlier ones stay valid."""
    if not instance_push_id:
        raise ValueError("instance_push_id cannot be empty")
    zendesk = SandboxZendesk.objects.filter(subdomain=subdomain).first()
    if zendesk is None:
        raise LookupError(f"No sandbox account {subdomain!r}: seed it first (manage.py zendesk_sandbox_seed)")
    token = secrets.token_urlsafe(32)
    SandboxPushToken.objects.create(account=zendesk, instance_push_id=instance_push_id, token_digest=_digest(token))
    return token


def push_token_valid(zendesk: SandboxZendesk, *, token: str, instance_push_id: str) -> bool:
    """Whether the token was issued for this account and this integration instance."""
    return SandboxPushToken.objects.filter(
        account=zendesk, instance_push_id=instance_push_id, token_digest=_digest(token)
    ).exists()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def push_channel(zendesk: SandboxZendesk, instance_push_id: str) -> ChannelAccount:
    """The channel account of this integration instance, made (unnamed, with no metadata yet) on first use:
    TrustDesk may push before the agent view has stored what admin_ui posted to return_url."""
    with transaction.atomic():
        tokens = SandboxPushToken.objects.select_for_update().filter(account=zendesk, instance_push_id=instance_push_id)
        linked = next((token.channel for token in tokens if token.channel_id is not None), None)
        if linked is None:
            linked = ChannelAccount.objects.create(zendesk=zendesk, name=UNNAMED, metadata="")
        tokens.filter(channel__isnull=True).update(channel=linked)
        return linked
