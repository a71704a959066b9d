"""Celery tasks of the Zendesk side: thin, take ids, own the retry policy."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from integrations import app_address, event_handlers
from integrations.services import access, push, reply_failures, setup
from integrations.zendesk import errors
from trustdesk.tasks import retry_later, retry_or_give_up

logger = logging.getLogger(__name__)


# Zendesk is asked a handful of times; the admin pages show what failed and offer to try again.
PUSH_RETRIES, DIRECTORY_RETRIES, RESTRICTION_RETRIES = 6, 3, 5


@shared_task(bind=True, name="integrations.push_instance")
def push_instance(self: Task, instance_id: int) -> int:  # type: ignore[type-arg]
    """Retried on Zendesk rate limits and outages; a refused token leaves the resources to pull."""
    try:
        return push.instance_push(instance_id=instance_id)
    except errors.RETRYABLE as exc:
        raise retry_later(self, exc, max_retries=PUSH_RETRIES) from exc
    except errors.ZendeskError as exc:
        logger.warning("Push for instance %s refused (%s); pull will deliver instead", instance_id, exc)
        return 0


@shared_task(name="integrations.report_reply_failure")
def report_reply_failure(reply_id: int) -> str:
    """Not retried: a report Zendesk cannot take becomes an internal note on the ticket instead."""
    return reply_failures.reply_failure_report(reply_id=reply_id)


@shared_task(bind=True, name="integrations.refresh_zendesk_directory")
def refresh_zendesk_directory(self: Task, account_id: int) -> int:  # type: ignore[type-arg]
    """Load roles and groups; the service leaves each error on the account for the admin to see."""
    try:
        account = access.directory_refresh(account_id=account_id)
    except errors.RETRYABLE as exc:
        retry = retry_or_give_up(self, exc, logger.warning, max_retries=DIRECTORY_RETRIES)
        if retry is not None:
            raise retry from exc
        return 0
    except (errors.ZendeskError, access.AccessSyncImpossible):
        return 0
    return len(account.zendesk_roles) + len(account.zendesk_groups)


@shared_task(bind=True, name="integrations.sync_access_restriction")
def sync_access_restriction(self: Task, restriction_id: int) -> bool:  # type: ignore[type-arg]
    """Retried on Zendesk rate limits and outages; any other refusal is shown as failed, with a retry button."""

    def give_up(reason: str) -> None:
        access.restriction_sync_record(restriction_id=restriction_id, error=reason)

    try:
        access.restriction_push(restriction_id=restriction_id)
    except errors.RETRYABLE as exc:
        retry = retry_or_give_up(self, exc, give_up, max_retries=RESTRICTION_RETRIES)
        if retry is not None:
            raise retry from exc
        return False
    except (errors.ZendeskError, access.AccessSyncImpossible) as exc:
        give_up(str(exc))
        return False
    return True


@shared_task(name="integrations.prune_refused_requests")
def prune_refused_requests() -> int:
    """Refused requests, and events sent to no account's address, are kept a month; a flood cannot grow them."""
    return app_address.refusals_prune() + event_handlers.unaddressed_events_prune()


@shared_task(name="integrations.delete_stale_setups")
def delete_stale_setups() -> int:
    """Expired and spent admin_ui setups hold nothing anyone needs, and may hold an unclaimed grant."""
    return setup.sessions_delete_stale()
