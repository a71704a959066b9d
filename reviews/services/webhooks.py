"""Trustpilot webhooks: each account's secret URL, the deliveries it receives, and re-reading what they name.

Trustpilot signs nothing it sends (docs/trustpilot.md §4.7), so the body is only a hint: it picks which
reviews to read again through the private API with the account's own tokens, and only reviews of that
account's enabled, accessible domains are stored, as a poll stores them (reviews.services.sync). Polling
keeps running beside webhooks, so a delivery lost or refused costs delay, never a review.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from reviews.models import (
    WEBHOOK_SECRET_FIELDS,
    Domain,
    Review,
    SyncRun,
    TrustpilotAccount,
    WebhookDelivery,
    WebhookReviewRead,
)
from reviews.services.accounts import ReauthorizationNeeded, UnitAccessDenied
from reviews.services.ingest import reviews_upsert
from reviews.services.review_status import review_removed
from reviews.services.sync import review_read
from reviews.signals import page_stored
from reviews.trustpilot import get_client
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import RETRYABLE, NotFound, TrustpilotError
from reviews.trustpilot.types import ReviewData
from trustdesk import url_secrets
from trustdesk.metrics import WEBHOOK_REVIEWS

logger = logging.getLogger(__name__)

# Reviews one delivery may have re-read; a larger batch is cut, and polling finds the rest.
MAX_REVIEWS_PER_DELIVERY = 100
# Deliveries each account keeps for the admin once processed.
DELIVERIES_KEPT = 50
# How long a re-read is remembered to spare later deliveries that arrived before it started.
READS_KEPT_FOR = timedelta(days=1)
# The events Trustpilot sends for service reviews (docs/trustpilot.md §4.7).
REVIEW_EVENTS = ("service-review-created", "service-review-updated", "service-review-deleted")
# Trustpilot ids are 24 hex characters; anything else would be put into an API path, so it is refused.
REVIEW_ID = re.compile(r"[A-Za-z0-9]{1,64}")


class DeliveryRefused(ValueError):
    """The body is not a webhook delivery: answered 400 with this message, and nothing is stored."""


# --- The account's URL ------------------------------------------------------------------------------


def account_for_webhook_secret(secret: str) -> TrustpilotAccount | None:
    """The account whose webhook URL holds this secret; found by digest, so timing tells nothing of it."""
    if not url_secrets.plausible(secret):
        return None
    return TrustpilotAccount.objects.filter(webhook_secret_digest=url_secrets.digest(secret)).first()


def webhook_secret_ensure(*, account: TrustpilotAccount) -> str:
    """The account's webhook secret, made now for an account stored before webhooks (a migration cannot encrypt)."""
    if account.webhook_secret is None:
        with transaction.atomic():
            locked = TrustpilotAccount.objects.select_for_update().get(pk=account.pk)
            if locked.webhook_secret is None:
                locked.webhook_secret_replace()
                locked.save(update_fields=[*WEBHOOK_SECRET_FIELDS, "updated_at"])
        account.refresh_from_db()
    assert account.webhook_secret is not None  # noqa: S101 (set just above)
    return account.webhook_secret.reveal()


def webhook_secret_rotate(*, account: TrustpilotAccount) -> None:
    """A new webhook secret: Trustpilot's deliveries to the old URL are refused from now on."""
    with transaction.atomic():
        locked = TrustpilotAccount.objects.select_for_update().get(pk=account.pk)
        locked.webhook_secret_replace()
        locked.save(update_fields=[*WEBHOOK_SECRET_FIELDS, "updated_at"])
    account.refresh_from_db()


# --- Reading the body: Trustpilot's format, as far as it is known -----------------------------------


def delivery_events(body: object) -> list[object]:
    """The events of one POST. docs/trustpilot.md §4.7: `{"events": [...]}`, and one POST may carry several
    events (batching is [UNCONFIRMED], so one or many are both normal)."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise DeliveryRefused('The body must be a JSON object whose "events" is a list.')
    events: list[object] = body["events"]
    return events


def event_review(event: object) -> tuple[str, str] | None:
    """(event name, review id) of a service-review event, else None (another event, or one without an id).

    docs/trustpilot.md §4.7: the id is `eventData.id`. The created event's shape is documented; -updated and
    -deleted are [UNCONFIRMED] and assumed the same, and -deleted may carry the id alone: nothing else of the
    body is read, consumer names included (`consumer.name` there, `displayName` in the API).
    """
    if not isinstance(event, dict):
        return None
    name, data = event.get("eventName"), event.get("eventData")
    if name not in REVIEW_EVENTS or not isinstance(data, dict):
        return None
    review_id = data.get("id")
    if not isinstance(review_id, str) or not REVIEW_ID.fullmatch(review_id):
        return None
    return str(name), review_id


def hint_parse(body: bytes) -> tuple[int, list[tuple[str, str]]]:
    """How many events the body holds, and the reviews to re-read: each once (its last event), at most
    MAX_REVIEWS_PER_DELIVERY."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError; nesting can exhaust the stack
        raise DeliveryRefused(f"The body is not JSON ({type(exc).__name__}).") from None
    events = delivery_events(data)
    named: dict[str, str] = {}
    for event in events:
        found = event_review(event)
        if found is not None:
            name, review_id = found
            named.pop(review_id, None)  # keeps the order of each review's last event
            named[review_id] = name
    reviews = [(name, review_id) for review_id, name in named.items()]
    return len(events), reviews[:MAX_REVIEWS_PER_DELIVERY]


def delivery_receive(*, account: TrustpilotAccount, body: bytes) -> WebhookDelivery:
    """Record a delivery and queue its re-reads once committed; DeliveryRefused stores nothing."""
    from reviews import tasks

    events, reviews = hint_parse(body)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            account=account,
            events=events,
            reviews=[list(pair) for pair in reviews],
            status=WebhookDelivery.Status.QUEUED if reviews else WebhookDelivery.Status.DONE,
            processed_at=None if reviews else timezone.now(),
        )
        _deliveries_prune(account)
        if reviews:
            transaction.on_commit(lambda: tasks.process_webhook_delivery.delay(delivery.pk), robust=True)
    return delivery


def _deliveries_prune(account: TrustpilotAccount) -> None:
    """Keep the latest DELIVERIES_KEPT; one still queued stays until its task has run."""
    cutoff = (
        WebhookDelivery.objects.filter(account=account)
        .order_by("-pk")
        .values_list("pk", flat=True)[DELIVERIES_KEPT : DELIVERIES_KEPT + 1]
    )
    if cutoff:
        WebhookDelivery.objects.filter(account=account, pk__lte=cutoff[0]).exclude(
            status=WebhookDelivery.Status.QUEUED
        ).delete()


# --- Re-reading the reviews --------------------------------------------------------------------------


def delivery_process(*, delivery_id: int, client: TrustpilotClient | None = None) -> WebhookDelivery | None:
    """Re-read each review of the delivery and store it as a poll would. Raises RETRYABLE (Trustpilot busy or
    down): the task retries, and the retry resumes at the first review not yet read."""
    delivery = WebhookDelivery.objects.select_related("account").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.QUEUED:
        return delivery
    account = delivery.account
    if account.status != TrustpilotAccount.Status.CONNECTED:
        _finish(delivery, failed=f"{account} is not connected ({account.get_status_display()}): nothing was read.")
        return delivery
    domains = {
        domain.business_unit_id: domain
        for domain in Domain.objects.filter(account=account, enabled=True, access_denied_at__isnull=True)
    }
    client = client or get_client()
    reviews: Sequence[Sequence[str]] = delivery.reviews
    while delivery.progress < len(reviews):
        _, review_id = reviews[delivery.progress]
        try:
            outcome = _review_process(delivery, domains, client, review_id)
        except ReauthorizationNeeded as exc:
            _finish(delivery, failed=f"{account} needs to sign in again: {exc}")
            return delivery
        except RETRYABLE as exc:
            _note(delivery, f"{review_id}: {type(exc).__name__}: {exc}")
            delivery.save(update_fields=["error"])
            raise
        WEBHOOK_REVIEWS.labels(outcome=outcome).inc()
        setattr(delivery, outcome, getattr(delivery, outcome) + 1)
        delivery.progress += 1
        delivery.save(update_fields=["progress", outcome, "error"])
    _finish(delivery)
    return delivery


def delivery_give_up(*, delivery_id: int, reason: str) -> None:
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is not None and delivery.status == WebhookDelivery.Status.QUEUED:
        _finish(delivery, failed=reason)


def reads_prune(*, kept_for: timedelta = READS_KEPT_FOR) -> int:
    deleted, _ = WebhookReviewRead.objects.filter(read_started_at__lt=timezone.now() - kept_for).delete()
    return deleted


def _review_process(
    delivery: WebhookDelivery, domains: dict[str, Domain], client: TrustpilotClient, review_id: str
) -> str:
    """Read one review and act on it; returns the delivery's counter it goes to (a failure's reason is noted)."""
    account = delivery.account
    if WebhookReviewRead.objects.filter(
        account=account, trustpilot_id=review_id, read_started_at__gte=delivery.received_at
    ).exists():
        return "coalesced"  # a read that started after this delivery arrived saw what it announces
    started = timezone.now()
    try:
        data = review_read(account, client, review_id)
    except NotFound:
        outcome = _review_gone(domains, review_id)
    except UnitAccessDenied:
        _note(delivery, f"{review_id}: Trustpilot refused it to {account}; ignored.")
        outcome = "ignored"
    except (ReauthorizationNeeded, *RETRYABLE):
        raise
    except TrustpilotError as exc:
        logger.warning("Re-reading review %s for a Trustpilot webhook failed: %s", review_id, exc)
        _note(delivery, f"{review_id}: {type(exc).__name__}: {exc}")
        return "failed"
    else:
        outcome = _review_store(delivery, domains, data)
    _read_record(account, review_id, started)
    return outcome


def _review_store(delivery: WebhookDelivery, domains: dict[str, Domain], data: ReviewData) -> str:
    domain = domains.get(data.business_unit_id)
    if domain is None:
        # A subscription of another business unit, or a forged body: nothing of it is stored.
        _note(delivery, f"{data.id}: business unit {data.business_unit_id} is not an enabled domain; ignored.")
        return "ignored"
    with transaction.atomic():
        Domain.objects.select_for_update().filter(pk=domain.pk).values_list("pk", flat=True).get()
        # As a poll stores a page (reviews.services.sync): the Zendesk side queues what is new or edited, and
        # pushes it at once when push is on. The poll watermark stays: an earlier review may still be unseen.
        result = reviews_upsert(domain=domain, reviews=[data])
        page_stored.send(sender=SyncRun, domain=domain, kind=SyncRun.Kind.POLL, result=result)
        Domain.objects.filter(pk=domain.pk).update(last_webhook_at=timezone.now())
    return "stored"


def _review_gone(domains: dict[str, Domain], review_id: str) -> str:
    """A 404 marks removed only a review of this account's domains: another account's token may just not
    reach a review that still stands."""
    review = Review.objects.filter(trustpilot_id=review_id, domain__in=domains.values()).first()
    if review is None:
        return "ignored"
    review_removed(review=review)
    Domain.objects.filter(pk=review.domain_id).update(last_webhook_at=timezone.now())
    return "removed"


def _read_record(account: TrustpilotAccount, review_id: str, started: Any) -> None:
    reads = WebhookReviewRead.objects.filter(account=account, trustpilot_id=review_id)
    if reads.filter(read_started_at__lt=started).update(read_started_at=started) or reads.exists():
        return
    try:
        with transaction.atomic():
            WebhookReviewRead.objects.create(account=account, trustpilot_id=review_id, read_started_at=started)
    except IntegrityError:
        reads.filter(read_started_at__lt=started).update(read_started_at=started)


def _note(delivery: WebhookDelivery, line: str) -> None:
    delivery.error = "\n".join([delivery.error, line]).strip()[-4000:]


def _finish(delivery: WebhookDelivery, *, failed: str = "") -> None:
    if failed:
        _note(delivery, failed)
    delivery.status = WebhookDelivery.Status.FAILED if failed else WebhookDelivery.Status.DONE
    delivery.processed_at = timezone.now()
    delivery.save(update_fields=["status", "error", "processed_at", "progress"])
