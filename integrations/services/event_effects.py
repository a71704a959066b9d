"""What Zendesk's event callbacks change on TrustDesk's side (docs/zendesk.md §7), and the events themselves.

Every event is stored as received, so the admin can show what Zendesk said (its `error`) and what
TrustDesk made of it: its outcome and reason, and notes appended under "TrustDesk:". Each change here
may be applied again and changes nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.forms import SUBDOMAIN
from integrations.metadata import InvalidMetadata, StaleMetadata, instance_from
from integrations.models import ChannelEvent, ChannelInstance, ReviewTicketLink, ZendeskAccount
from integrations.services.outbox import instance_backlog_push
from reviews.models import Domain, Review
from reviews.services.privacy import scrubbed

logger = logging.getLogger(__name__)

NOTE_PREFIX = "TrustDesk: "


@dataclass(frozen=True)
class ResourceEvent:
    """One item of resources_created_from_external_ids: where Zendesk put one of our external ids."""

    external_id: str
    ticket_id: int
    comment_id: int | None


@dataclass
class Resolved:
    """What became of the external ids of a resources_created_from_external_ids event."""

    filled: int = 0
    unknown: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def event_record(*, payload: Any, account: ZendeskAccount | None) -> ChannelEvent:
    """Store one event exactly as sent, linked to the Zendesk account whose address it came to and to its
    instance when known. One sent to no account's address is linked to none: anyone may post those, and
    the subdomain it names is kept for the admin to filter by."""
    event = payload if isinstance(payload, Mapping) else {}
    subdomain = _text(event, "subdomain")
    data = event.get("data")
    return ChannelEvent.objects.create(
        zendesk_account=account,
        instance=_instance_named_by(account, data if isinstance(data, Mapping) else {}),
        subdomain=subdomain.lower()[:63],
        type_id=_text(event, "type_id")[:100],
        payload=payload,
        error=_text(event, "error"),
        occurred_at=_timestamp(event.get("timestamp")),
    )


def event_conclude(*, event: ChannelEvent, outcome: str, reason: str = "", note: str = "") -> None:
    """Keep what TrustDesk made of the event: its outcome and why, and a note beside Zendesk's own error text."""
    event.outcome, event.outcome_reason = outcome, reason
    if note:
        event.error = "\n".join(part for part in (event.error, NOTE_PREFIX + note) if part)
    event.save(update_fields=["outcome", "outcome_reason", "error"])


def subdomain_valid(subdomain: object) -> bool:
    """Whether Zendesk could have sent this subdomain: a DNS label, nothing around it."""
    return isinstance(subdomain, str) and SUBDOMAIN.fullmatch(subdomain) is not None


def zendesk_account_install(*, subdomain: str) -> ZendeskAccount:
    """TrustDesk's app was installed in this Zendesk account (again, after an uninstall)."""
    account, created = ZendeskAccount.objects.get_or_create(subdomain=subdomain)
    if not created and (account.status != ZendeskAccount.Status.ACTIVE or account.uninstall_reported_at):
        account.status = ZendeskAccount.Status.ACTIVE
        account.disconnected_by = ""
        account.disconnected_at = None
        account.uninstall_reported_at = None
        account.save(
            update_fields=["status", "disconnected_by", "disconnected_at", "uninstall_reported_at", "updated_at"]
        )
    return account


def zendesk_account_uninstall_report(*, account: ZendeskAccount) -> str:
    """Record an uninstall TrustDesk could not check with Zendesk; only a support manager's confirmation acts on it."""
    if account.status == ZendeskAccount.Status.DISCONNECTED:
        return "the Zendesk account is already disconnected"
    updated = ZendeskAccount.objects.filter(pk=account.pk, uninstall_reported_at__isnull=True).update(
        uninstall_reported_at=timezone.now(), updated_at=timezone.now()
    )
    return "" if updated else "an uninstall was already reported and waits for a support manager's confirmation"


def instance_activate(*, instance: ChannelInstance) -> str:
    """Serve the instance again; a disconnected one stays so, since its credentials are gone."""
    if instance.status == ChannelInstance.Status.DISCONNECTED:
        return "the instance is disconnected and was not reactivated; add the account again in Zendesk"
    if instance.status != ChannelInstance.Status.ACTIVE or instance.deactivated_at is not None:
        instance.status = ChannelInstance.Status.ACTIVE
        instance.deactivated_at = None
        instance.save(update_fields=["status", "deactivated_at", "updated_at"])
        instance_backlog_push(instance=instance)
    return ""


def instance_deactivate(*, instance: ChannelInstance) -> str:
    if instance.status == ChannelInstance.Status.DISCONNECTED:
        return "the instance is already disconnected"
    if instance.status != ChannelInstance.Status.DEACTIVATED:
        instance.status = ChannelInstance.Status.DEACTIVATED
        instance.deactivated_at = timezone.now()
        instance.save(update_fields=["status", "deactivated_at", "updated_at"])
    return ""


def reviewer_delivered(*, subdomain: str, reviewer_id: str) -> bool:
    """Whether an instance of this Zendesk account was sent a review of this reviewer."""
    delivered = Q(ticket_links__instance__zendesk_account__subdomain=subdomain)
    return Review.objects.filter(_reviews_of(reviewer_id), delivered).exists()


def reviewer_personal_data_purge(*, subdomain: str, reviewer_id: str) -> int:
    """Erase the reviewer's name, email and reference from their reviews in this Zendesk account's domains,
    and from those its instances were sent.

    Text and stars stay: they are public on Trustpilot. Returns how many reviews changed. Where a Trustpilot
    review keeps its author's personal data: docs/trustpilot.md §4.3.
    """
    domains = Domain.objects.filter(instances__zendesk_account__subdomain=subdomain).values("pk")
    delivered = ReviewTicketLink.objects.filter(instance__zendesk_account__subdomain=subdomain).values("review")
    changed = 0
    with transaction.atomic():
        theirs = Review.objects.select_for_update().filter(_reviews_of(reviewer_id))
        for review in theirs.filter(Q(domain__in=domains) | Q(pk__in=delivered)):
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


def ticket_links_resolve(*, subdomain: str, resources: Iterable[ResourceEvent]) -> Resolved:
    """Record the Zendesk ticket and comment of each external id that has none yet.

    A link already on another ticket keeps it: the event is unsigned, and a channelback's author check
    reads the ticket from the link (services.access), so a forged event must not move it.
    """
    links = ReviewTicketLink.objects.filter(instance__zendesk_account__subdomain=subdomain)
    resolved = Resolved()
    with transaction.atomic():
        for resource in resources:
            found = list(links.select_for_update().filter(external_id=resource.external_id).order_by("pk"))
            if not found:
                resolved.unknown.append(resource.external_id)
            for link in found:
                _link_resolve(link, resource, resolved)
    resolved.conflicts = list(dict.fromkeys(resolved.conflicts))
    return resolved


def _link_resolve(link: ReviewTicketLink, resource: ResourceEvent, resolved: Resolved) -> None:
    if link.zendesk_ticket_id is None:
        link.zendesk_ticket_id, link.zendesk_comment_id = resource.ticket_id, resource.comment_id
    elif link.zendesk_ticket_id != resource.ticket_id:
        resolved.conflicts.append(
            f"{link.external_id} is on ticket {link.zendesk_ticket_id}, not {resource.ticket_id}: "
            f"kept on {link.zendesk_ticket_id}"
        )
        return
    elif link.zendesk_comment_id is None and resource.comment_id is not None:
        link.zendesk_comment_id = resource.comment_id
    else:
        return
    link.save(update_fields=["zendesk_ticket_id", "zendesk_comment_id"])
    resolved.filled += 1


def _reviews_of(reviewer_id: str) -> Q:
    # protocol.author() falls back on the review id when Trustpilot gave no consumer id.
    return Q(reviewer_id=reviewer_id) | Q(reviewer_id="", trustpilot_id=reviewer_id)


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
