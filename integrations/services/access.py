"""Which Zendesk roles and groups may use TrustDesk: the choices loaded from Zendesk, the restrictions
written to TrustDesk's app installation, and the check of a channelback's author (docs/zendesk.md §10).
"""

from __future__ import annotations

import contextlib
import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations import protocol_errors as errors
from integrations.models import AccessRestriction, ChannelInstance, ReviewTicketLink, ZendeskAccount
from integrations.zendesk import errors as zendesk
from integrations.zendesk.client import ZendeskClient, client_or_new
from integrations.zendesk.types import ApiToken, Comment
from reviews.models import Review

logger = logging.getLogger(__name__)


class AccessSyncImpossible(Exception):
    """Something only an admin can fix (no API token, no installation id): retrying will not help."""


def zendesk_client(account: ZendeskAccount) -> ZendeskClient:
    token = account.api_token
    if token is None or not account.api_user:
        raise AccessSyncImpossible(
            f"No Zendesk API user and token are stored for {account.subdomain}: set them on the Zendesk account."
        )
    return ZendeskClient(subdomain=account.subdomain, api_token=ApiToken(email=account.api_user, token=token.reveal()))


def directory_refresh(*, account_id: int, client: ZendeskClient | None = None) -> ZendeskAccount:
    """Load the account's custom roles and groups, the choices of the access page."""
    account = ZendeskAccount.objects.get(pk=account_id)
    problems: list[str] = []
    try:
        with client_or_new(client, lambda: zendesk_client(account)) as zendesk_api:
            groups = [group.as_json() for group in zendesk_api.groups()]
            try:
                roles = [role.as_json() for role in zendesk_api.custom_roles()]
            except zendesk.AuthError as exc:
                # Custom roles exist on Enterprise plans only; groups still work everywhere.
                roles = []
                problems.append(f"Custom roles could not be loaded (they need a Zendesk Enterprise plan): {exc}")
    except (AccessSyncImpossible, zendesk.ZendeskError) as exc:
        ZendeskAccount.objects.filter(pk=account.pk).update(directory_error=str(exc), updated_at=timezone.now())
        raise
    account.zendesk_roles, account.zendesk_groups = roles, groups
    account.directory_loaded_at = timezone.now()
    account.directory_error = "\n".join(problems)
    account.save(update_fields=["zendesk_roles", "zendesk_groups", "directory_loaded_at", "directory_error"])
    return account


def restriction_sync_request(*, restriction: AccessRestriction) -> None:
    """Mark the restrictions as waiting and write them to Zendesk from a task once this transaction commits."""
    from integrations import tasks

    AccessRestriction.objects.filter(pk=restriction.pk).update(sync_status=AccessRestriction.SyncStatus.PENDING)
    restriction.sync_status = AccessRestriction.SyncStatus.PENDING
    transaction.on_commit(lambda: tasks.sync_access_restriction.delay(restriction.pk), robust=True)


def restriction_push(*, restriction_id: int, client: ZendeskClient | None = None) -> None:
    """Write the restrictions to TrustDesk's app installation; errors propagate for the task to retry or record."""
    restriction = AccessRestriction.objects.select_related("zendesk_account").get(pk=restriction_id)
    account = restriction.zendesk_account
    if account.installation_id is None:
        raise AccessSyncImpossible(
            "The id of TrustDesk's app installation is not set on the Zendesk account: it is the id of TrustDesk's "
            "entry in https://<subdomain>.zendesk.com/api/v2/apps/installations.json (see docs/zendesk-admin.md)."
        )
    with client_or_new(client, lambda: zendesk_client(account)) as zendesk_api:
        installation = zendesk_api.installation_restrictions_update(
            account.installation_id, role_ids=restriction.role_ids, group_ids=restriction.group_ids
        )
    sent = (_as_set(restriction.role_ids), _as_set(restriction.group_ids))
    if (_as_set(installation.role_ids), _as_set(installation.group_ids)) != sent:
        raise zendesk.BadRequest(
            f"Zendesk kept other restrictions (roles {installation.role_ids}, groups {installation.group_ids}) "
            f"than the ones sent (roles {restriction.role_ids}, groups {restriction.group_ids})"
        )
    restriction_sync_record(restriction_id=restriction.pk, error="")


def _as_set(ids: list[int] | None) -> frozenset[int] | None:
    """The restriction as Zendesk applied it: its ids in any order, or None when it is off.

    Zendesk may answer a restriction that is off with null or with [] ([UNCONFIRMED], docs/zendesk.md §10.2):
    both mean off. TrustDesk itself never writes [] (AccessRestriction.clean needs one id when on).
    """
    return frozenset(ids) if ids else None


def restriction_sync_record(*, restriction_id: int, error: str) -> None:
    """Record the outcome of a write to Zendesk: synced, or failed with Zendesk's words."""
    now = timezone.now()
    if error:
        logger.warning("Access restrictions %s not written to Zendesk: %s", restriction_id, error)
        AccessRestriction.objects.filter(pk=restriction_id).update(
            sync_status=AccessRestriction.SyncStatus.FAILED, last_sync_error=error, updated_at=now
        )
    else:
        AccessRestriction.objects.filter(pk=restriction_id).update(
            sync_status=AccessRestriction.SyncStatus.SYNCED, last_sync_error="", last_synced_at=now, updated_at=now
        )


def reply_author_check(*, instance: ChannelInstance, review: Review, message: str) -> None:
    """Refuse a channelback written by an agent outside the allowed roles and groups (when enforcement is on).

    Zendesk's channelback does not say who wrote the comment (docs/zendesk.md §4.1): TrustDesk finds the ticket
    (known from resources_created_from_external_ids), reads its newest public comments and takes the one
    carrying this message. Unknown author → refused: the check fails closed.
    """
    if not settings.ZENDESK_ENFORCE_ACCESS_ON_CHANNELBACK:
        return
    restriction = AccessRestriction.objects.filter(zendesk_account_id=instance.zendesk_account_id).first()
    if restriction is None or not restriction.restricts:
        return
    ticket_id = (
        ReviewTicketLink.objects.filter(
            instance__zendesk_account_id=instance.zendesk_account_id, review=review, zendesk_ticket_id__isnull=False
        )
        .values_list("zendesk_ticket_id", flat=True)
        .first()
    )
    if ticket_id is None:
        raise errors.Forbidden(
            "TrustDesk cannot tell which agent wrote this reply: Zendesk has not reported this review's ticket yet. "
            "Try again in a minute."
        )
    try:
        with contextlib.closing(zendesk_client(instance.zendesk_account)) as client:
            author_id = _author_of(client.ticket_comments(ticket_id), message)
            if author_id is None:
                raise errors.Forbidden(f"TrustDesk found no public comment on ticket {ticket_id} matching this reply.")
            agent = client.user(author_id)
            group_ids = client.user_group_ids(author_id)
    except AccessSyncImpossible as exc:
        raise errors.Forbidden(f"TrustDesk cannot check who may reply: {exc}") from None
    except zendesk.RETRYABLE as exc:
        raise errors.ZendeskUnavailable(f"Zendesk is unavailable ({exc.message}); try again shortly.") from None
    except zendesk.ZendeskError as exc:
        raise errors.Forbidden(f"TrustDesk cannot check who may reply: {exc.message}") from None
    if not restriction.allows(role_id=agent.custom_role_id, group_ids=group_ids):
        raise errors.Forbidden(
            f"{agent.name or f'Agent {agent.id}'} may not reply to Trustpilot reviews: "
            f"{_allowed_description(restriction)}. Ask an admin to change the access in TrustDesk."
        )


def _author_of(comments: list[Comment], message: str) -> int | None:
    wanted = _normalised(message)
    for comment in comments:
        if comment.public and _normalised(comment.body) == wanted:
            return int(comment.author_id)
    return None


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _allowed_description(restriction: AccessRestriction) -> str:
    parts = []
    if restriction.role_restriction_enabled:
        parts.append("allowed roles: " + ", ".join(str(r["name"]) for r in restriction.allowed_roles))
    if restriction.group_restriction_enabled:
        parts.append("allowed groups: " + ", ".join(str(g["name"]) for g in restriction.allowed_groups))
    return "; ".join(parts)


def app_uninstall_checkable(*, account: ZendeskAccount) -> bool:
    """Whether TrustDesk holds what it needs to ask Zendesk about its app installation."""
    return account.installation_id is not None and account.api_token is not None and bool(account.api_user)


def app_uninstall_doubt(*, account: ZendeskAccount, client: ZendeskClient | None = None) -> str:
    """Why a destroy_integration event cannot be trusted, or "" when Zendesk confirms the app is gone.

    Event callbacks are not signed and destroy_integration names only a subdomain, so anyone could post
    one: only Zendesk's API, asked with the account's API token and installation id, can confirm it.
    """
    if account.installation_id is None or not app_uninstall_checkable(account=account):
        return "TrustDesk has no Zendesk API token and installation id to confirm the uninstall with"
    try:
        with client_or_new(client, lambda: zendesk_client(account)) as zendesk_api:
            installation = zendesk_api.installation(account.installation_id)
    except zendesk.NotFound:
        return ""
    except zendesk.ZendeskError as exc:
        return f"Zendesk could not confirm the uninstall ({exc.message}); if it was removed, disconnect in the admin"
    return f"TrustDesk's app is still installed in Zendesk (installation {installation.id}): event ignored"
