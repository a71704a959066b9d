"""Celery tasks of the Zendesk side: thin, take ids, own the retry policy."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from integrations.services import push
from integrations.zendesk import errors

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="integrations.push_instance", max_retries=6)
def push_instance(self: Task, instance_id: int) -> int:  # type: ignore[type-arg]
    """Retried on Zendesk rate limits and outages; a refused token leaves the resources to pull."""
    try:
        return push.instance_push(instance_id=instance_id)
    except errors.RETRYABLE as exc:
        countdown = exc.retry_after if exc.retry_after is not None else min(600, 30 * 2**self.request.retries)
        raise self.retry(exc=exc, countdown=countdown) from exc
    except errors.ZendeskError as exc:
        logger.warning("Push for instance %s refused (%s); pull will deliver instead", instance_id, exc)
        return 0
