"""Push new resources to Zendesk at once (docs/zendesk.md §8.2), so tickets appear in seconds; pull stays the fallback.

A resource Zendesk accepted (or already had) is marked pushed, and pull skips it: one resource never
becomes two comments. A halted resource is sent again; one Zendesk refused keeps the refusal in
push_error and is left to pull.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils import timezone

from integrations.delivery import AWAITING_DELIVERY
from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.services.pull import resource_for
from integrations.zendesk import errors
from integrations.zendesk.client import PUSH_BATCH, PushResult, ZendeskClient, client_or_new
from trustdesk import metrics

logger = logging.getLogger(__name__)


def push_enabled(instance: ChannelInstance) -> bool:
    return bool(
        settings.ZENDESK_PUSH_CLIENT_ID
        and instance.status == ChannelInstance.Status.ACTIVE
        and instance.instance_push_id
        and instance.push_token
    )


def instance_push(*, instance_id: int, client: ZendeskClient | None = None) -> int:
    """Push everything queued and not yet delivered; returns how many Zendesk now has."""
    instance = ChannelInstance.objects.select_related("zendesk_account").get(pk=instance_id)
    if not push_enabled(instance) or instance.push_token is None:
        return 0
    with client_or_new(client, lambda: ZendeskClient(subdomain=instance.zendesk_account.subdomain)) as zendesk:
        return _push_all(instance, zendesk, token=instance.push_token.reveal())


def _push_all(instance: ChannelInstance, client: ZendeskClient, *, token: str) -> int:
    delivered = 0
    while True:
        links = list(
            ReviewTicketLink.objects.filter(AWAITING_DELIVERY, instance=instance, push_error="")
            .select_related("review__domain", "edit", "reply", "note")
            .order_by("sequence")[:PUSH_BATCH]
        )
        if not links:
            return delivered
        try:
            results = client.push(
                access_token=token,
                instance_push_id=instance.instance_push_id,
                request_id=f"td-{instance.pk}-{uuid.uuid4().hex[:24]}",
                resources=[resource_for(link, instance) for link in links],
            )
        except errors.RETRYABLE:
            raise
        except errors.ZendeskError as exc:
            # Refused as a whole (a bad token, a body Zendesk will not take): sending the same batch again
            # would be refused again. The refusal stays on each link, where the admin shows it, and pull
            # delivers them.
            refusal = f"Zendesk refused the push ({exc.status or 'no status'}): {exc.message}"
            ReviewTicketLink.objects.filter(pk__in=[link.pk for link in links]).update(push_error=refusal)
            raise
        progress = _record(links, results)
        delivered += progress.delivered
        if not progress.any:
            logger.warning("Push to %s made no progress; leaving %s resources to pull", instance, len(links))
            return delivered


class _Progress:
    def __init__(self) -> None:
        self.delivered = 0
        self.refused = 0

    @property
    def any(self) -> bool:
        return bool(self.delivered or self.refused)


def _record(links: list[ReviewTicketLink], results: list[PushResult]) -> _Progress:
    progress = _Progress()
    now = timezone.now()
    delivered_ids = []
    for link, result in zip(links, results, strict=False):
        if result.delivered:
            delivered_ids.append(link.pk)
            metrics.PUSH_LATENCY.observe(max(0.0, (now - link.created_at).total_seconds()))
        elif result.code != "halted":
            error = f"{result.code}: {result.description}".strip(": ")
            ReviewTicketLink.objects.filter(pk=link.pk).update(push_error=error)
            progress.refused += 1
    if delivered_ids:
        ReviewTicketLink.objects.filter(pk__in=delivered_ids).update(pushed_at=now, first_delivered_at=now)
        progress.delivered = len(delivered_ids)
    return progress
