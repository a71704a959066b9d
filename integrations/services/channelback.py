"""An agent's reply in Zendesk, published on Trustpilot as the company's reply (docs/zendesk.md §4).

The whole request runs under ZENDESK_CHANNELBACK_TIME_BUDGET (trustdesk.deadline): every HTTP call,
the author check at Zendesk included, is cut to the time left. A reply Trustpilot did not take in that
time is kept and answered 200 with its external_id; the retry task publishes it, and a final failure
is then reported to the agent (integrations.services.reply_failures). Failures only the agent or an
admin can fix are answered at once, and a failed reply is never published afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integrations import protocol
from integrations import protocol_errors as errors
from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.services import access
from reviews.models import Reply, Review, TrustpilotAccount
from reviews.services import replies
from reviews.services.accounts import ReauthorizationNeeded
from reviews.trustpilot import errors as trustpilot
from reviews.trustpilot import get_client
from trustdesk import deadline

# Zendesk waits for the answer: retry briefly here, and let the pending-reply task retry later.
CLIENT_OPTIONS = {"max_attempts": 2, "max_backoff": 2.0}
# With less time left than this, Trustpilot is not called at all: the reply waits for the retry task.
PUBLISH_MINIMUM = 1.0


def channelback_reply(
    *, instance: ChannelInstance, message: str, parent_id: str, thread_id: str, request_id: str
) -> str:
    """Store the reply, publish it if Trustpilot answers in time, and return its external_id."""
    with deadline.within(settings.ZENDESK_CHANNELBACK_TIME_BUDGET):
        instance_check(instance)
        review = _review_of(instance, parent_id, thread_id)
        access.reply_author_check(instance=instance, review=review, message=message)
        reply, external_id = _store(instance, review, message, request_id)
        reply = _publish_in_time(reply)
    if reply.status == Reply.Status.FAILED:
        raise failure_answer(reply)
    return external_id


def _store(instance: ChannelInstance, review: Review, message: str, request_id: str) -> tuple[Reply, str]:
    try:
        reply, _ = replies.reply_create(review=review, message=message, zendesk_request_id=request_id or None)
    except replies.ReplyRejected as exc:
        raise errors.BadRequest(str(exc)) from None
    except replies.ReplyConflict as exc:
        raise errors.Conflict(str(exc)) from None
    external_id = protocol.reply_external_id(reply, review)
    ReviewTicketLink.objects.get_or_create(
        instance=instance,
        external_id=external_id,
        defaults={
            "review": review,
            "reply": reply,
            "kind": ReviewTicketLink.Kind.REPLY,
            "first_delivered_at": timezone.now(),
        },
    )
    return reply, external_id


def _publish_in_time(reply: Reply) -> Reply:
    """Publish now if there is time; a repeat of a request being published waits for it. Returns the outcome:
    sent, failed for good, or pending (then marked accepted, so a later failure is reported)."""
    if reply.status != Reply.Status.PENDING:
        return reply
    if deadline.fits(PUBLISH_MINIMUM):
        try:
            replies.reply_publish(reply_id=reply.pk, client=get_client(**CLIENT_OPTIONS))
        except replies.ReplyBusy:
            replies.reply_await(reply_id=reply.pk)
        except (trustpilot.TrustpilotError, ReauthorizationNeeded, replies.ReplyRejected):
            pass  # a final failure is on the reply; an outage or a timeout leaves it pending for the retry task
    return replies.reply_accept(reply_id=reply.pk)


def failure_answer(reply: Reply) -> errors.ProtocolError:
    """What a failed reply is answered with, the first time and on every repeat of its request."""
    reason = reply.last_error or "Trustpilot did not accept the reply."
    reason = reason if reason.endswith((".", "!", "?")) else f"{reason}."
    if reply.failure == Reply.Failure.REVIEW_REMOVED:
        return errors.ReviewRemoved(
            "The review was removed from Trustpilot, so the reply cannot be published there. "
            "The reply was not published."
        )
    if reply.failure == Reply.Failure.REAUTHORIZATION:
        return errors.TrustpilotAuthorization(
            f"{reason} An admin must reconnect the Trustpilot account in Zendesk (Admin Center → Channels → "
            "Trustpilot → edit the account). The reply was not published."
        )
    if reply.failure == Reply.Failure.REFUSED:
        return errors.BadRequest(f"{reason} Change the reply and send it again. The reply was not published.")
    return errors.ReplyFailed(f"{reason} The reply was not published; send it again to retry.")


def instance_check(instance: ChannelInstance) -> None:
    """Refuse, before anything is stored, a channelback that no retry could publish until an admin acts."""
    account = instance.trustpilot_account
    if instance.status == ChannelInstance.Status.DISCONNECTED:
        problem = "is disconnected from TrustDesk"
    elif instance.status == ChannelInstance.Status.DEACTIVATED:
        problem = "is deactivated in Zendesk; activate it again in Zendesk"
    elif account is None:
        problem = "has no Trustpilot account connected"
    elif account.status == TrustpilotAccount.Status.NEEDS_REAUTHORIZATION:
        problem = "has a Trustpilot account that needs re-authorization; reconnect it in Zendesk"
    elif account.status != TrustpilotAccount.Status.CONNECTED:
        problem = "has a Trustpilot account that is disconnected; reconnect it in Zendesk"
    else:
        return
    raise errors.InstanceNotActive(f"{_account(instance)} {problem}. The reply was not published.")


def stale_metadata_refusal(instance: ChannelInstance) -> errors.InstanceNotActive:
    """Metadata from before the instance's last disconnect: it publishes nothing, even once the instance is back."""
    return errors.InstanceNotActive(
        f"{_account(instance)} was disconnected since Zendesk got its details; reconnect it in Zendesk. "
        "The reply was not published."
    )


def _account(instance: ChannelInstance) -> str:
    return f"The account {instance.name!r} of the Trustpilot channel in Zendesk"


def _review_of(instance: ChannelInstance, parent_id: str, thread_id: str) -> Review:
    review_id = protocol.review_id_from_external_id(parent_id) or protocol.review_id_from_thread_id(thread_id)
    if not review_id:
        raise errors.BadRequest("parent_id or thread_id must name a Trustpilot review TrustDesk sent")
    review = (
        Review.objects.select_related("domain")
        .filter(trustpilot_id=review_id)
        .filter(Q(ticket_links__instance=instance) | Q(domain__instances=instance))
        .first()
    )
    if review is None:
        # Unknown, or a review of another account: metadata from one instance opens no other's reviews.
        raise errors.NotFound(f"No review {review_id!r} belongs to this Trustpilot account in Zendesk")
    return review
