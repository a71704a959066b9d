"""An agent's reply in Zendesk, published on Trustpilot as the company's reply (reference §4)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from integrations import errors, protocol
from integrations.models import ChannelInstance, ReviewTicketLink
from integrations.services import access
from reviews.models import Reply, Review, TrustpilotAccount
from reviews.services import replies
from reviews.services.accounts import ReauthorizationNeeded
from reviews.trustpilot import errors as trustpilot
from reviews.trustpilot import get_client

# Zendesk waits for the answer: retry briefly here, and let Zendesk (or the pending-reply task) retry later.
CLIENT_OPTIONS = {"max_attempts": 2, "max_backoff": 2.0}


def channelback_reply(
    *, instance: ChannelInstance, message: str, parent_id: str, thread_id: str, request_id: str
) -> str:
    """Store the reply, publish it, and return its external_id (the one a later pull would use)."""
    instance_check(instance)
    review = _review_of(instance, parent_id, thread_id)
    access.reply_author_check(instance=instance, review=review, message=message)
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
    if reply.status in (Reply.Status.SENT, Reply.Status.SUPERSEDED):
        return external_id
    try:
        replies.reply_publish(reply_id=reply.pk, client=get_client(**CLIENT_OPTIONS))
    except trustpilot.BadRequest as exc:
        raise errors.BadRequest(f"Trustpilot refused the reply: {exc.message}") from None
    except trustpilot.NotFound:
        raise errors.NotFound("The review no longer exists on Trustpilot.") from None
    except (trustpilot.AuthError, ReauthorizationNeeded, replies.ReplyRejected) as exc:
        raise errors.TrustpilotAuthorization(
            f"Trustpilot did not accept this account's authorization ({exc}); an admin must reconnect it in Zendesk."
        ) from None
    except trustpilot.TrustpilotError as exc:
        raise errors.Unavailable(
            f"Trustpilot is unavailable ({exc.message}); the reply is saved and will be published when it is back."
        ) from None
    return external_id


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
