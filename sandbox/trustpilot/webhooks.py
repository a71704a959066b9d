"""The sandbox's webhooks: service-review events POSTed to each business unit's subscribed URLs.

As Trustpilot sends them (docs/trustpilot.md §4.7): JSON `{"events": [...]}`, no signature, one or several
events per POST (Faults.webhook_batches). What is sent is built when the change commits, and a background
thread posts it, so the request that wrote the review never waits for a receiver; a receiver that fails
or is unreachable is logged and not retried (Trustpilot's retry policy is [UNCONFIRMED]).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import requests
from django.conf import settings
from django.db import transaction

from sandbox.trustpilot import faults, render
from sandbox.trustpilot.models import BusinessUnit, Faults, Review, WebhookSubscription

logger = logging.getLogger(__name__)

CREATED = "service-review-created"
UPDATED = "service-review-updated"
DELETED = "service-review-deleted"
SEND_TIMEOUT = 5.0
MAX_SUBSCRIPTIONS = 20

Post = tuple[str, dict[str, Any]]
_outbox: queue.Queue[Post] = queue.Queue()
_sender: threading.Thread | None = None
_sender_lock = threading.Lock()


def subscriptions_set(unit: BusinessUnit, urls: Sequence[str]) -> list[WebhookSubscription]:
    """The unit's subscriptions become exactly `urls` (in order, without repeats)."""
    wanted = list(dict.fromkeys(urls))
    with transaction.atomic():
        WebhookSubscription.objects.filter(business_unit=unit).exclude(url__in=wanted).delete()
        known = set(WebhookSubscription.objects.filter(business_unit=unit).values_list("url", flat=True))
        WebhookSubscription.objects.bulk_create(
            WebhookSubscription(business_unit=unit, url=url) for url in wanted if url not in known
        )
    return list(WebhookSubscription.objects.filter(business_unit=unit))


def event(review: Review, name: str, config: Faults) -> dict[str, Any]:
    """One event as Trustpilot's help centre shows it (docs/trustpilot.md §4.7)."""
    if name == DELETED and config.webhook_deleted_id_only:
        return {"eventName": name, "version": "1", "eventData": {"id": review.id}}
    base = settings.SANDBOX_URL
    consumer_name_key = "displayName" if config.webhook_consumer_display_name else "name"
    return {
        "eventName": name,
        "version": "1",
        "eventData": {
            "id": review.id,
            "language": review.language,
            "title": review.title,
            "text": review.text,
            "referenceId": review.reference_id or None,
            "stars": review.stars,
            "createdAt": render.with_millis(review.created_at),
            "isVerified": review.is_verified,
            "locationId": None,
            "link": f"{base}/v1/reviews/{review.id}",
            "consumer": {
                "id": review.consumer_id,
                consumer_name_key: review.consumer_name,
                "link": f"{base}/v1/consumers/{review.consumer_id}",
            },
            "tags": [],
        },
    }


def reviews_announce(name: str, reviews: Iterable[Review]) -> None:
    """Send `name` for these reviews to their units' subscribers once the current transaction commits."""
    reviews = list(reviews)
    if reviews:
        transaction.on_commit(lambda: _announce(name, reviews), robust=True)


def webhooks_flush(timeout: float = 10.0) -> bool:
    """Wait until every queued POST was tried; False if some are still pending after `timeout` seconds."""
    done = threading.Event()

    def wait() -> None:
        _outbox.join()
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    return done.wait(timeout)


def _announce(name: str, reviews: list[Review]) -> None:
    config = faults.faults_get()
    urls: dict[str, list[str]] = defaultdict(list)
    for subscription in WebhookSubscription.objects.filter(business_unit__in={r.business_unit_id for r in reviews}):
        urls[subscription.business_unit_id].append(subscription.url)
    by_url: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for review in reviews:
        for url in urls.get(review.business_unit_id, [])[:MAX_SUBSCRIPTIONS]:
            by_url[url].append(event(review, name, config))
    for url, events in by_url.items():
        batches = [events] if config.webhook_batches else [[one] for one in events]
        for batch in batches:
            _send(url, {"events": batch})


def _send(url: str, body: dict[str, Any]) -> None:
    global _sender
    _outbox.put((url, body))
    with _sender_lock:
        if _sender is None or not _sender.is_alive():
            _sender = threading.Thread(target=_send_forever, name="sandbox-trustpilot-webhooks", daemon=True)
            _sender.start()


def _send_forever() -> None:
    session = requests.Session()
    while True:
        url, body = _outbox.get()
        try:
            response = session.post(url, json=body, timeout=SEND_TIMEOUT)
            if response.status_code >= 300:
                logger.warning("Sandbox webhook to %s answered %s", _shown(url), response.status_code)
        except requests.RequestException as exc:
            logger.warning("Sandbox webhook to %s failed: %s", _shown(url), type(exc).__name__)
        finally:
            _outbox.task_done()


def _shown(url: str) -> str:
    """The URL without its path, which may hold the receiver's secret."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/…"
