"""What each channel instance still has to deliver to Zendesk, in order.

Every new review, edit and reply written on Trustpilot becomes one ReviewTicketLink per instance in
use covering its domain (a deactivated one gets them once Zendesk reactivates it), numbered under the
instance's row lock. Numbers are therefore taken in commit order, and a pull cursor ("deliver
everything after number N") never skips a resource that committed late, nor repeats one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from integrations import protocol, tasks
from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.services.disconnect import IN_USE
from integrations.services.push import push_enabled
from reviews.models import Domain, Reply, Review, ReviewEdit, SyncRun
from reviews.services.ingest import PageResult
from reviews.signals import page_stored


@receiver(page_stored, dispatch_uid="integrations.outbox.queue_page")
def queue_page(sender: Any, domain: Domain, kind: str, result: PageResult, **kwargs: Any) -> int:
    """Queue the page's resources; the number queued is counted on the run as its new tickets."""
    reviews = result.new_review_ids
    if kind == SyncRun.Kind.BACKFILL:
        # "Sync unanswered reviews": every unanswered review of the page, also those stored before.
        reviews = list(result.review_ids.values())
    return queue_for_domain(domain=domain, review_ids=reviews, edit_ids=result.edit_ids, reply_ids=result.reply_ids)


def queue_for_domain(
    *, domain: Domain, review_ids: Iterable[int], edit_ids: Iterable[int] = (), reply_ids: Iterable[int] = ()
) -> int:
    """Queue resources for every instance in use covering the domain; runs in the caller's transaction.

    A deactivated instance is queued too: nothing is pushed to it, and what waits reaches Zendesk when it
    is reactivated (instance_backlog_push, then pull).
    """
    review_ids, edit_ids, reply_ids = list(review_ids), list(edit_ids), list(reply_ids)
    if not (review_ids or edit_ids or reply_ids):
        return 0
    instances = list(
        ChannelInstance.objects.select_for_update(of=("self",))
        .filter(domains=domain, status__in=IN_USE)
        .order_by("pk")
        .select_related("zendesk_account")
    )
    if not instances:
        return 0
    # A review Trustpilot does not show as active (reviews.trustpilot.moderation) opens no ticket.
    reviews = list(
        Review.objects.filter(pk__in=review_ids, company_reply_text="", trustpilot_status="").order_by(
            "created_at_trustpilot"
        )
    )
    edits = list(ReviewEdit.objects.filter(pk__in=edit_ids).select_related("review").order_by("pk"))
    replies = list(
        Reply.objects.filter(pk__in=reply_ids, origin=Reply.Origin.TRUSTPILOT).select_related("review").order_by("pk")
    )
    queued = 0
    for instance in instances:
        queued += _queue(instance, reviews, edits, replies)
    return queued


def _queue(instance: ChannelInstance, reviews: list[Review], edits: list[ReviewEdit], replies: list[Reply]) -> int:
    candidates = [
        *(ReviewTicketLink(review=r, kind=ReviewTicketLink.Kind.REVIEW, external_id=protocol.review_external_id(r))
          for r in reviews),
        *(ReviewTicketLink(review=e.review, edit=e, kind=ReviewTicketLink.Kind.REVIEW_UPDATE,
                           external_id=protocol.edit_external_id(e, e.review)) for e in edits),
        *(ReviewTicketLink(review=r.review, reply=r, kind=ReviewTicketLink.Kind.REPLY,
                           external_id=protocol.reply_external_id(r, r.review)) for r in replies),
    ]  # fmt: skip
    # Edits and replies go only to tickets this instance has; a review Zendesk already has (from this
    # instance, or an earlier one in the same Zendesk account) is never sent again.
    threads = set(
        ReviewTicketLink.objects.filter(
            instance=instance, kind=ReviewTicketLink.Kind.REVIEW, review__in={c.review_id for c in candidates}
        ).values_list("review_id", flat=True)
    )
    known = set(
        ReviewTicketLink.objects.filter(
            instance__zendesk_account=instance.zendesk_account, external_id__in=[c.external_id for c in candidates]
        ).values_list("external_id", flat=True)
    )
    fresh = []
    for link in candidates:
        if link.external_id in known:
            continue
        if link.kind != ReviewTicketLink.Kind.REVIEW and link.review_id not in threads:
            continue
        if link.kind == ReviewTicketLink.Kind.REVIEW:
            threads.add(link.review_id)
        known.add(link.external_id)
        fresh.append(link)
    return links_append(instance=instance, links=fresh)


def links_append(*, instance: ChannelInstance, links: list[ReviewTicketLink]) -> int:
    """Number the links after the instance's last one and store them; push them when push is on.

    The caller holds the instance's row lock (select_for_update) in its transaction and read the row
    under it, so its last_sequence is current.
    """
    if not links:
        return 0
    first = instance.last_sequence + 1
    instance.last_sequence += len(links)
    ChannelInstance.objects.filter(pk=instance.pk).update(last_sequence=instance.last_sequence)
    for number, link in enumerate(links, start=first):
        link.instance = instance
        link.sequence = number
    ReviewTicketLink.objects.bulk_create(links)
    instance_backlog_push(instance=instance)
    return len(links)


def instance_backlog_push(*, instance: ChannelInstance) -> None:
    """Push what waits for the instance once this transaction commits, when push is on (pull gets it anyway)."""
    if push_enabled(instance):
        transaction.on_commit(lambda: tasks.push_instance.delay(instance.pk), robust=True)
