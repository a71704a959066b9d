"""Celery tasks: thin wrappers that load ids, call one service, and own the retry policy.

Retried: Trustpilot rate limits and outages (after Retry-After when given). Never retried: refused
authorization, unknown reviews, refused requests: those are recorded where the admin shows them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from reviews import ratebudget
from reviews.models import Domain, SyncRun
from reviews.services import polling, replies, sync, webhooks
from reviews.services.accounts import ReauthorizationNeeded
from reviews.trustpilot.errors import RETRYABLE, RateLimited, TrustpilotError
from trustdesk.tasks import MAX_RETRIES, retry_later, retry_or_give_up

logger = logging.getLogger(__name__)


@shared_task(name="reviews.poll_due_domains")
def poll_due_domains() -> int:
    """Queue the polls and re-scans due now, as many as the budget allows (reviews.services.polling)."""
    due = polling.polls_due()
    for poll in due:
        poll_domain.delay(poll.domain_id, kind=poll.kind)
    return len(due)


@shared_task(name="reviews.rescan_domains")
def rescan_domains() -> int:
    """Re-scan every domain at once: by hand only, as the scheduler spreads the re-scans over the budget."""
    domains = sync.pollable_domains()
    for domain in domains:
        poll_domain.delay(domain.pk, kind=SyncRun.Kind.RESCAN)
    return len(domains)


@shared_task(bind=True, name="reviews.poll_domain")
def poll_domain(self: Task, domain_id: int, kind: str = SyncRun.Kind.POLL) -> dict[str, Any] | None:  # type: ignore[type-arg]
    domain = Domain.objects.select_related("account").get(pk=domain_id)
    try:
        run = sync.domain_poll(domain=domain, kind=kind)
    except sync.DomainNotPollable:
        return None
    except RETRYABLE as exc:
        # The next scheduled poll starts from the watermark anyway; retrying now only helps a re-scan.
        if kind == SyncRun.Kind.RESCAN:
            raise retry_later(self, exc) from exc
        if isinstance(exc, RateLimited) and exc.status is None:
            polling.poll_refused(domain_id=domain_id)  # the shared budget was spent: due again on a later tick
        return None
    except (TrustpilotError, ReauthorizationNeeded):
        return None  # recorded on the run and the domain by the service
    return {"run": run.pk, "seen": run.reviews_seen, "new": run.reviews_new}


@shared_task(bind=True, name="reviews.run_backfill", acks_late=True)
def run_backfill(self: Task, run_id: int) -> dict[str, Any] | None:  # type: ignore[type-arg]
    run = sync.backfill_claim(run_id=run_id)
    if run is None:
        return None  # finished, or another worker holds it
    try:
        run = sync.backfill_run(run=run)
    except RETRYABLE as exc:
        retry = retry_or_give_up(self, exc, lambda reason: sync.backfill_give_up(run_id=run_id, reason=reason))
        if retry is None:
            return None
        raise retry from exc
    except (TrustpilotError, ReauthorizationNeeded, sync.DomainNotPollable):
        return None  # recorded on the run
    return {"run": run.pk, "pages": run.pages_fetched, "seen": run.reviews_seen, "new": run.reviews_new}


@shared_task(bind=True, name="reviews.process_webhook_delivery", acks_late=True)
def process_webhook_delivery(self: Task, delivery_id: int) -> dict[str, Any] | None:  # type: ignore[type-arg]
    """Re-read the reviews a Trustpilot webhook named; a retry resumes at the first one not yet read."""
    try:
        delivery = webhooks.delivery_process(delivery_id=delivery_id)
    except RETRYABLE as exc:
        give_up = partial(webhooks.delivery_give_up, delivery_id=delivery_id)
        retry = retry_or_give_up(self, exc, lambda reason: give_up(reason=reason))
        if retry is None:
            return None
        raise retry from exc
    if delivery is None:
        return None
    return {"delivery": delivery.pk, "status": delivery.status, "stored": delivery.stored}


@shared_task(name="reviews.resume_stalled_backfills")
def resume_stalled_backfills() -> int:
    """A worker that died mid-backfill stops its heartbeat: hand the run to another worker."""
    run_ids = sync.stalled_backfills()
    for run_id in run_ids:
        run_backfill.delay(run_id)
    return len(run_ids)


@shared_task(bind=True, name="reviews.publish_reply", acks_late=True)
def publish_reply(self: Task, reply_id: int) -> str | None:  # type: ignore[type-arg]
    try:
        return replies.reply_publish(reply_id=reply_id).status
    except RETRYABLE as exc:
        retry = retry_or_give_up(self, exc, lambda reason: replies.reply_give_up(reply_id=reply_id, reason=reason))
        if retry is None:
            return None
        raise retry from exc
    except (TrustpilotError, ReauthorizationNeeded, replies.ReplyRejected):
        return None  # the reply is marked failed with the reason


@shared_task(name="reviews.retry_pending_replies")
def retry_pending_replies() -> int:
    """Replies left pending by an outage are published as soon as Trustpilot is back; none is forgotten."""
    reply_ids = replies.replies_to_retry(max_attempts=MAX_RETRIES)
    for reply_id in reply_ids:
        publish_reply.delay(reply_id)
    return len(reply_ids)


@shared_task(name="reviews.prune_sync_history")
def prune_sync_history(days: int = 7) -> int:
    """Polls run every minute: keep a week of their history, and every backfill."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = SyncRun.objects.filter(
        kind__in=[SyncRun.Kind.POLL, SyncRun.Kind.RESCAN], created_at__lt=cutoff
    ).delete()
    return deleted + ratebudget.prune_windows() + webhooks.reads_prune()
