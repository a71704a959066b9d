"""What Zendesk's event callbacks change on TrustDesk's side (reference §7), and the events themselves.

Every event is stored as received, so the admin can show what Zendesk said (its `error`) and what
TrustDesk made of it (notes appended under "TrustDesk:"). Each change here may be applied again and
changes nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.metadata import InvalidMetadata, StaleMetadata, instance_from
from integrations.models import ChannelEvent, ChannelInstance, ReviewTicketLink, ZendeskAccount
from reviews.models import Domain, Review
from reviews.services.privacy import scrubbed

logger = logging.getLogger(__name__)

NOTE_PREFIX = "TrustDesk: "


# Where a Trustpilot review keeps its author's personal data (reference trustpilot-api §3).
@dataclass(frozen=True)
class ResourceEvent:
    """One item of resources_created_from_external_ids: where Zendesk put one of our external ids."""

    external_id: str
    ticket_id: int
    comment_id: int | None


def event_record(*, payload: Any) -> ChannelEvent:
    """Store one event exactly as sent, linked to its Zendesk account and instance when they are known."""
    event = payload if isinstance(payload, Mapping) else {}
    subdomain = _text(event, "subdomain")[:63]
    account = ZendeskAccount.objects.filter(subdomain=subdomain).first() if subdomain else None
    data = event.get("data")
    return ChannelEvent.objects.create(
        zendesk_account=account,
        instance=_instance_named_by(account, data if isinstance(data, Mapping) else {}),
        subdomain=subdomain,
        type_id=_text(event, "type_id")[:100],
        payload=payload,
        error=_text(event, "error"),
        occurred_at=_timestamp(event.get("timestamp")),
    )


def event_note(*, event: ChannelEvent, note: str) -> None:
    """Keep what TrustDesk made of the event beside Zendesk's own error text."""
    if not note:
        return
    event.error = "\n".join(part for part in (event.error, NOTE_PREFIX + note) if part)
    event.save(update_fields=["error"])


def zendesk_account_install(*, subdomain: str) -> ZendeskAccount:
    """TrustDesk's app was installed in this Zendesk account (again, after an uninstall)."""
    account, created = ZendeskAccount.objects.get_or_create(subdomain=subdomain)
    if not created and account.status != ZendeskAccount.Status.ACTIVE:
        account.status = ZendeskAccount.Status.ACTIVE
        account.disconnected_by = ""
        account.disconnected_at = None
        account.save(update_fields=["status", "disconnected_by", "disconnected_at", "updated_at"])
    return account


def instance_activate(*, instance: ChannelInstance) -> str:
    """Serve the instance again; a disconnected one stays so, since its credentials are gone."""
    if instance.status == ChannelInstance.Status.DISCONNECTED:
        return "the instance is disconnected and was not reactivated; add the account again in Zendesk"
    if instance.status != ChannelInstance.Status.ACTIVE or instance.deactivated_at is not None:
        instance.status = ChannelInstance.Status.ACTIVE
        instance.deactivated_at = None
        instance.save(update_fields=["status", "deactivated_at", "updated_at"])
    return ""


def instance_deactivate(*, instance: ChannelInstance) -> str:
    if instance.status == ChannelInstance.Status.DISCONNECTED:
        return "the instance is already disconnected"
    if instance.status != ChannelInstance.Status.DEACTIVATED:
        instance.status = ChannelInstance.Status.DEACTIVATED
        instance.deactivated_at = timezone.now()
        instance.save(update_fields=["status", "deactivated_at", "updated_at"])
    return ""


def reviewer_personal_data_purge(*, subdomain: str, reviewer_id: str) -> int:
    """Erase the reviewer's name, email and reference from their reviews in this Zendesk account's domains.

    Text and stars stay: they are public on Trustpilot. Returns how many reviews changed.
    """
    # protocol.author() falls back on the review id when Trustpilot gave no consumer id.
    mine = Q(reviewer_id=reviewer_id) | Q(reviewer_id="", trustpilot_id=reviewer_id)
    domains = Domain.objects.filter(instances__zendesk_account__subdomain=subdomain).values("pk")
    changed = 0
    with transaction.atomic():
        for review in Review.objects.select_for_update().filter(mine, domain__in=domains):
            raw = scrubbed(review.raw)
            if (review.reviewer_name, review.reviewer_email, review.reference_id, review.raw) != ("", "", "", raw):
                review.reviewer_name = review.reviewer_email = review.reference_id = ""
                review.raw = raw
                review.personal_data_purged_at = timezone.now()
                review.save(
                    update_fields=[
                        "reviewer_name",
                        "reviewer_email",
                        "reference_id",
                        "raw",
                        "personal_data_purged_at",
                        "updated_at",
                    ]
                )
                changed += 1
    return changed


def ticket_links_resolve(*, subdomain: str, resources: Iterable[ResourceEvent]) -> list[str]:
    """Record the Zendesk ticket and comment of each external id; returns the external ids TrustDesk never sent."""
    links = ReviewTicketLink.objects.filter(instance__zendesk_account__subdomain=subdomain)
    unknown = []
    with transaction.atomic():
        for resource in resources:
            found = links.filter(external_id=resource.external_id)
            if not found.exists():
                unknown.append(resource.external_id)
                continue
            found.exclude(zendesk_ticket_id=resource.ticket_id, zendesk_comment_id=resource.comment_id).update(
                zendesk_ticket_id=resource.ticket_id, zendesk_comment_id=resource.comment_id
            )
    return unknown


def _instance_named_by(account: ZendeskAccount | None, data: Mapping[str, Any]) -> ChannelInstance | None:
    metadata = data.get("metadata")
    if isinstance(metadata, str) and metadata:
        try:
            return instance_from(metadata)
        except StaleMetadata as exc:
            # Kept in a still-disconnected instance's history; a copy refused for an instance that is back is not.
            return exc.instance if exc.still_disconnected else None
        except InvalidMetadata:
            return None
    name = data.get("integration_instance_name")
    if account is None or not isinstance(name, str) or not name:
        return None
    named = ChannelInstance.objects.filter(zendesk_account=account, name=name).order_by("-created_at")
    return named.exclude(status=ChannelInstance.Status.DISCONNECTED).first() or named.first()


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
