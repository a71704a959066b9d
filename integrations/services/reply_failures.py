"""Telling the agent that a reply Zendesk had been answered 200 for failed after all (docs/zendesk.md §4.3).

With a push token for the instance TrustDesk calls report_error, and Zendesk marks the agent's comment
as failed. Without one (no ZENDESK_PUSH_CLIENT_ID, or a token Zendesk never gave), or when Zendesk
refuses the report, the failure becomes an internal note on the ticket, delivered on its next pull.
Either way the reply stays failed, and a failed reply is never published afterwards.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from integrations.models import ReviewTicketLink
from integrations.services.channelback import failure_answer
from integrations.services.notes import note_queue
from integrations.services.push import push_enabled
from integrations.zendesk import errors as zendesk
from integrations.zendesk.client import ZendeskClient, client_or_new
from reviews.models import Reply
from reviews.services import replies
from reviews.signals import reply_failed

logger = logging.getLogger(__name__)

REPORT_ERROR, INTERNAL_NOTE = "report_error", "internal_note"


@receiver(reply_failed, dispatch_uid="integrations.reply_failures.report_later")
def report_later(sender: Any, reply_id: int, **kwargs: Any) -> None:
    from integrations import tasks

    tasks.report_reply_failure.delay(reply_id)


def reply_failure_report(*, reply_id: int, client: ZendeskClient | None = None) -> str:
    """Tell each instance the reply went through that it failed; returns how ("" when nothing was to tell)."""
    reply = Reply.objects.select_related("review").get(pk=reply_id)
    if reply.status != Reply.Status.FAILED or reply.failure_reported_at is not None:
        return ""
    links = ReviewTicketLink.objects.filter(reply=reply, kind=ReviewTicketLink.Kind.REPLY).select_related(
        "instance__zendesk_account"
    )
    ways = {_report(link, reply, client) for link in links}
    if not ways:
        return ""
    by = REPORT_ERROR if ways == {REPORT_ERROR} else INTERNAL_NOTE
    replies.reply_failure_record_report(reply_id=reply.pk, by=by)
    return by


def _report(link: ReviewTicketLink, reply: Reply, client: ZendeskClient | None) -> str:
    instance = link.instance
    description = failure_answer(reply).message
    if push_enabled(instance) and instance.push_token is not None:
        try:
            with client_or_new(client, lambda: ZendeskClient(subdomain=instance.zendesk_account.subdomain)) as api:
                api.report_channelback_error(
                    access_token=instance.push_token.reveal(),
                    instance_push_id=instance.instance_push_id,
                    external_id=link.external_id,
                    description=description,
                )
            return REPORT_ERROR
        except zendesk.ZendeskError as exc:
            logger.warning("report_error for reply %s refused (%s); adding an internal note instead", reply.pk, exc)
    text = f"A reply sent from this ticket was not published on Trustpilot. {description}\n\n{reply.message}"
    note_queue(review=reply.review, key=f"reply-failed-{reply.pk}", text=text, instances=[instance])
    return INTERNAL_NOTE
