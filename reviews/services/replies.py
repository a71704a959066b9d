"""Publish company replies on Trustpilot: once each, the latest one winning.

Trustpilot has no idempotency key (docs/trustpilot.md §5.4). Every attempt is counted before the call, and an
attempt after the first reads the review back first: if the reply is already there, the earlier
attempt went through and nothing is posted again. A failed reply is final: only a pending one is
ever taken for publishing, so a reply the agent was told had failed never appears on Trustpilot later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reviews.models import Reply, Review, TrustpilotAccount
from reviews.services.accounts import ReauthorizationNeeded, call_as_account
from reviews.services.reply_match import reply_words
from reviews.services.review_status import review_removed
from reviews.signals import reply_failed
from reviews.trustpilot import get_client
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import AuthError, BadRequest, NotFound, TrustpilotError, Unavailable
from trustdesk import deadline
from trustdesk.leases import lease_free

logger = logging.getLogger(__name__)


class ReplyRejected(ValueError):
    """The reply cannot be published as it is; the message says why, for the agent."""


class ReplyConflict(ValueError):
    """A Zendesk request id that was already used for another review."""


class ReplyBusy(Unavailable):
    """Another process is publishing this reply right now: try again in a moment."""


# Longer than one publish can take (a read-back and a post, each within TRUSTPILOT_TIMEOUT).
CLAIM = timedelta(seconds=90)
AWAIT_POLL = 0.1


def reply_validate(message: str) -> str:
    text = message.strip()
    limit = settings.TRUSTPILOT_REPLY_MAX_LENGTH
    if not text:
        raise ReplyRejected("The reply is empty: write a message before sending it to Trustpilot.")
    if len(text) > limit:
        raise ReplyRejected(f"The reply is {len(text)} characters long; Trustpilot accepts at most {limit}.")
    return text


def reply_create(*, review: Review, message: str, zendesk_request_id: str | None = None) -> tuple[Reply, bool]:
    """Store a reply to send. The same Zendesk request id again returns the reply already stored."""
    text = reply_validate(message)
    if zendesk_request_id:
        reply, created = Reply.objects.get_or_create(
            zendesk_request_id=zendesk_request_id, defaults={"review": review, "message": text}
        )
        if reply.review_id != review.pk:
            raise ReplyConflict(f"Request {zendesk_request_id} was already used for another review.")
        return reply, created
    return Reply.objects.create(review=review, message=text), True


def reply_publish(*, reply_id: int, client: TrustpilotClient | None = None) -> Reply:
    """Post the reply unless it is already on Trustpilot. Raises what a caller must retry or report."""
    reply = Reply.objects.select_related("review__domain__account").get(pk=reply_id)
    if reply.status in (Reply.Status.SENT, Reply.Status.SUPERSEDED):
        return reply
    account = reply.review.domain.account
    if reply.status == Reply.Status.FAILED:
        raise ReplyRejected(reply.last_error or "This reply failed earlier; it is not published.")
    if account is None or account.status != TrustpilotAccount.Status.CONNECTED:
        _fail(
            reply,
            "The Trustpilot account of this domain is not connected; reconnect it to send replies.",
            Reply.Failure.REAUTHORIZATION,
        )
        raise ReplyRejected(reply.last_error)
    client = client or get_client()
    reply = _claim(reply)
    try:
        return _publish(reply, account, client)
    finally:
        Reply.objects.filter(pk=reply.pk).update(claimed_until=None)


def _claim(reply: Reply) -> Reply:
    """Count the attempt and take the reply for this process, before any call: two never post it at once."""
    now = timezone.now()
    free = lease_free("claimed_until", now)
    taken = Reply.objects.filter(free, pk=reply.pk, status=Reply.Status.PENDING).update(
        claimed_until=now + CLAIM, attempts=F("attempts") + 1
    )
    if not taken:
        raise ReplyBusy("Another process is publishing this reply; try again in a moment.")
    reply.refresh_from_db(fields=["attempts", "claimed_until", "status"])
    return reply


def _publish(reply: Reply, account: TrustpilotAccount, client: TrustpilotClient) -> Reply:
    try:
        if reply.attempts > 1 and _already_published(client, account, reply):
            return _mark_sent(reply)
        call_as_account(
            account,
            lambda token: client.post_reply(
                access_token=token,
                review_id=reply.review.trustpilot_id,
                message=reply.message,
                # None for a user Trustpilot did not name: a made-up id would be refused or, worse, wrong.
                author_business_user_id=account.author_id,
            ),
        )
    except BadRequest as exc:
        _fail(reply, f"Trustpilot refused the reply: {exc.message}", Reply.Failure.REFUSED)
        raise
    except NotFound:
        _fail(reply, "The review no longer exists on Trustpilot.", Reply.Failure.REVIEW_REMOVED)
        review_removed(review=reply.review)
        raise
    except (AuthError, ReauthorizationNeeded) as exc:
        _fail(reply, f"Trustpilot did not accept the account's authorization: {exc}", Reply.Failure.REAUTHORIZATION)
        raise
    except TrustpilotError as exc:
        # Outage, rate limit or unknown outcome: kept pending for the caller to retry (after a read-back).
        Reply.objects.filter(pk=reply.pk).update(last_error=f"{type(exc).__name__}: {exc}")
        raise
    return _mark_sent(reply)


def replies_to_retry(*, older_than: timedelta = timedelta(minutes=2), max_attempts: int = 8) -> list[int]:
    """Pending replies nobody is working on: their publisher met an outage (or Zendesk gave up retrying)."""
    now = timezone.now()
    return list(
        Reply.objects.filter(status=Reply.Status.PENDING, updated_at__lt=now - older_than, attempts__lt=max_attempts)
        .filter(lease_free("claimed_until", now))
        .values_list("pk", flat=True)
    )


def reply_give_up(*, reply_id: int, reason: str) -> None:
    reply = Reply.objects.get(pk=reply_id)
    if reply.status == Reply.Status.PENDING:
        _fail(reply, reason, Reply.Failure.GAVE_UP)


def reply_await(*, reply_id: int, sleep: Callable[[float], None] = time.sleep) -> Reply:
    """Wait, within the running deadline, while another process publishes the reply; then its state."""
    while True:
        reply = Reply.objects.get(pk=reply_id)
        now = timezone.now()
        busy = reply.claimed_until is not None and reply.claimed_until > now
        if reply.status != Reply.Status.PENDING or not busy or not deadline.fits(AWAIT_POLL):
            return reply
        sleep(AWAIT_POLL)


def reply_accept(*, reply_id: int) -> Reply:
    """Record that Zendesk is answered 200 while the reply is pending; a failure after this is reported.

    Conditional on the reply still pending: when its publisher failed it a moment ago, the caller sees
    the failure instead and answers with it.
    """
    Reply.objects.filter(pk=reply_id, status=Reply.Status.PENDING, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    return Reply.objects.get(pk=reply_id)


def reply_failure_record_report(*, reply_id: int, by: str) -> bool:
    """Mark the failure as told to the agent (by "report_error" or "internal_note"); False if it already was."""
    return bool(
        Reply.objects.filter(pk=reply_id, failure_reported_at__isnull=True).update(
            failure_reported_at=timezone.now(), failure_reported_by=by
        )
    )


def _already_published(client: TrustpilotClient, account: TrustpilotAccount, reply: Reply) -> bool:
    current = call_as_account(
        account, lambda token: client.get_review(access_token=token, review_id=reply.review.trustpilot_id)
    )
    seen = current.company_reply
    return seen is not None and reply_words(seen.text) == reply_words(reply.message)


def _mark_sent(reply: Reply) -> Reply:
    now = timezone.now()
    with transaction.atomic():
        Reply.objects.filter(review_id=reply.review_id, status=Reply.Status.SENT).exclude(pk=reply.pk).update(
            status=Reply.Status.SUPERSEDED
        )
        reply.status = Reply.Status.SENT
        reply.sent_at = now
        reply.last_error = ""
        reply.save(update_fields=["status", "sent_at", "last_error", "updated_at"])
        Review.objects.filter(pk=reply.review_id).update(
            company_reply_text=reply.message, company_reply_at=now, updated_at=now
        )
    logger.info("Reply %s published on review %s", reply.pk, reply.review.trustpilot_id)
    return reply


def _fail(reply: Reply, reason: str, failure: str) -> None:
    """Fail a pending reply for good; when Zendesk had been told it was accepted, say so to the Zendesk side."""
    failed = Reply.objects.filter(pk=reply.pk, status=Reply.Status.PENDING).update(
        status=Reply.Status.FAILED, failure=failure, last_error=reason, updated_at=timezone.now()
    )
    reply.refresh_from_db(fields=["status", "failure", "last_error", "accepted_at"])
    if not failed:
        return
    logger.warning("Reply %s failed: %s", reply.pk, reason)
    if reply.accepted_at is not None:
        reply_id = reply.pk
        transaction.on_commit(lambda: reply_failed.send(sender=Reply, reply_id=reply_id), robust=True)
