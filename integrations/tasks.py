"""Celery tasks of the Zendesk side: thin, take ids, own the retry policy."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from integrations.services import access, push
from integrations.zendesk import errors

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="integrations.push_instance", max_retries=6)
def push_instance(self: Task, instance_id: int) -> int:  # type: ignore[type-arg]
    """Retried on Zendesk rate limits and outages; a refused token leaves the resources to pull."""
    try:
        return push.instance_push(instance_id=instance_id)
    except errors.RETRYABLE as exc:
        raise self.retry(exc=exc, countdown=_countdown(self, exc)) from exc
    except errors.ZendeskError as exc:
        logger.warning("Push for instance %s refused (%s); pull will deliver instead", instance_id, exc)
        return 0


@shared_task(bind=True, name="integrations.refresh_zendesk_directory", max_retries=3)
def refresh_zendesk_directory(self: Task, account_id: int) -> int:  # type: ignore[type-arg]
    """Load roles and groups; the error stays on the account for the admin to see."""
    try:
        account = access.directory_refresh(account_id=account_id)
    except errors.RETRYABLE as exc:
        if self.request.retries >= (self.max_retries or 0):
            return 0
        raise self.retry(exc=exc, countdown=_countdown(self, exc)) from exc
    except (errors.ZendeskError, access.AccessSyncImpossible):
        return 0
    return len(account.zendesk_roles) + len(account.zendesk_groups)


@shared_task(bind=True, name="integrations.sync_access_restriction", max_retries=5)
def sync_access_restriction(self: Task, restriction_id: int) -> bool:  # type: ignore[type-arg]
    """Retried on Zendesk rate limits and outages; any other refusal is shown as failed, with a retry button."""
    try:
        access.restriction_push(restriction_id=restriction_id)
    except errors.RETRYABLE as exc:
        if self.request.retries >= (self.max_retries or 0):
            access.restriction_sync_record(restriction_id=restriction_id, error=f"Gave up after retries: {exc}")
            return False
        raise self.retry(exc=exc, countdown=_countdown(self, exc)) from exc
    except (errors.ZendeskError, access.AccessSyncImpossible) as exc:
        access.restriction_sync_record(restriction_id=restriction_id, error=str(exc))
        return False
    return True


def _countdown(task: Task, exc: errors.ZendeskError) -> float:  # type: ignore[type-arg]
    return exc.retry_after if exc.retry_after is not None else min(600, 30 * 2**task.request.retries)
