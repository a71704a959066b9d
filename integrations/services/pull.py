"""Answer Zendesk's pull from the database only: the next resources after the cursor, at most 200."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from integrations import protocol
from integrations.models import ChannelInstance, ReviewTicketLink

# Zendesk's docs allow 200 resources a pull, its schema 256: the stricter wins (reference §3).
PULL_LIMIT = 200


@dataclass(frozen=True)
class PullAnswer:
    resources: list[dict[str, Any]]
    cursor: int


def cursor_from_state(state: str) -> int:
    """The state TrustDesk sent last time ("" on the first pull). Anything else is Zendesk's mistake or a forgery."""
    text = state.strip()
    if not text:
        return 0
    if not text.isdigit() or len(text) > 18:
        raise ValueError(f"state {state[:40]!r} is not a cursor TrustDesk wrote")
    return int(text)


def pull_next(*, instance: ChannelInstance, cursor: int) -> PullAnswer:
    links = list(
        # Pushed resources are in Zendesk already: only pull sends the rest.
        ReviewTicketLink.objects.filter(instance=instance, sequence__gt=cursor, pushed_at__isnull=True)
        .select_related("review__domain", "edit", "reply")
        .order_by("sequence")[:PULL_LIMIT]
    )
    if not links:
        return PullAnswer(resources=[], cursor=cursor)
    resources = [resource_for(link, instance) for link in links]
    undelivered = [link.pk for link in links if link.first_delivered_at is None]
    if undelivered:
        ReviewTicketLink.objects.filter(pk__in=undelivered).update(first_delivered_at=timezone.now())
    return PullAnswer(resources=resources, cursor=links[-1].sequence or cursor)


def resource_for(link: ReviewTicketLink, instance: ChannelInstance) -> dict[str, Any]:
    if link.kind == ReviewTicketLink.Kind.REVIEW_UPDATE and link.edit is not None:
        return protocol.edit_resource(link.edit, link.review)
    if link.kind == ReviewTicketLink.Kind.REPLY and link.reply is not None:
        return protocol.direct_reply_resource(link.reply, link.review)
    return protocol.review_resource(link.review, instance.zendesk_account)
