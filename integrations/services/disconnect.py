"""Disconnect, don't delete: a channel instance or a whole Zendesk account stops, its history stays.

Used by Zendesk's destroy events (docs/zendesk.md §7.2) and by the Django admin. Credentials and access
restrictions go; reviews, replies and review-ticket links stay, and so do the rows themselves, with
their status and timestamps. Every function here may be called again and changes nothing more.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from integrations.models import AccessRestriction, ChannelInstance, ZendeskAccount
from reviews.models import TrustpilotAccount
from reviews.services.accounts import account_disconnect

logger = logging.getLogger(__name__)

IN_USE = [ChannelInstance.Status.ACTIVE, ChannelInstance.Status.DEACTIVATED]


def instance_disconnect(*, instance: ChannelInstance, by: str) -> ChannelInstance:
    """Stop serving the instance and forget its push token; its Trustpilot account goes too when unused.

    Every copy of the instance's metadata dies with the disconnect (integrations.metadata): only a
    reconnect, after a fresh Trustpilot sign-in, hands Zendesk metadata that works.
    """
    with transaction.atomic():
        # Locked, and saved field by field: the outbox numbers resources under this row's lock (last_sequence).
        instance = ChannelInstance.objects.select_for_update().get(pk=instance.pk)
        if instance.status != ChannelInstance.Status.DISCONNECTED or instance.push_token or instance.instance_push_id:
            fields = ["push_token", "instance_push_id", "updated_at"]
            if instance.status != ChannelInstance.Status.DISCONNECTED:
                instance.status = ChannelInstance.Status.DISCONNECTED
                instance.disconnected_at = timezone.now()
                instance.metadata_version += 1
                fields += ["status", "disconnected_at", "metadata_version"]
            instance.push_token = None
            instance.instance_push_id = ""
            instance.save(update_fields=fields)
            logger.info("Channel instance %s disconnected by %s", instance.pk, by)
    # After the commit: revoking calls Trustpilot, and no transaction may be held across that call.
    account = instance.trustpilot_account
    if account is not None:
        others = ChannelInstance.objects.filter(trustpilot_account=account, status__in=IN_USE).exclude(pk=instance.pk)
        if not others.exists():
            account_disconnect(account=account, by=by)
    return instance


def zendesk_account_disconnect(*, account: ZendeskAccount, by: str) -> ZendeskAccount:
    """Disconnect every instance of the Zendesk account, then forget its API token and access restrictions."""
    for instance in ChannelInstance.objects.filter(zendesk_account=account).order_by("pk"):
        instance_disconnect(instance=instance, by=by)
    with transaction.atomic():
        account = ZendeskAccount.objects.select_for_update().get(pk=account.pk)
        AccessRestriction.objects.filter(zendesk_account=account).delete()
        if account.status != ZendeskAccount.Status.DISCONNECTED or account.api_token is not None:
            if account.status != ZendeskAccount.Status.DISCONNECTED:
                account.status = ZendeskAccount.Status.DISCONNECTED
                account.disconnected_by = by[:255]
                account.disconnected_at = timezone.now()
            account.api_token = None
            account.save(update_fields=["api_token", "status", "disconnected_by", "disconnected_at", "updated_at"])
            logger.info("Zendesk account %s disconnected by %s", account.subdomain, by)
    return account


def trustpilot_account_disconnect(*, account: TrustpilotAccount, by: str) -> TrustpilotAccount:
    """Disconnect every channel instance reading through the Trustpilot account, then the account itself."""
    for instance in ChannelInstance.objects.filter(trustpilot_account=account).order_by("pk"):
        instance_disconnect(instance=instance, by=by)
    # Read again: disconnecting its last instance may already have disconnected the account.
    return account_disconnect(account=TrustpilotAccount.objects.get(pk=account.pk), by=by)
