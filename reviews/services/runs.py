"""Stopping backfills: a person cancels one, or disconnecting its Trustpilot account cancels them all.

A cancelled run keeps what it stored. Its worker notices at its next page (sync._store reads the
status under the row lock) and stops there, without storing that page.
"""

from __future__ import annotations

import logging

from django.db.models import QuerySet
from django.utils import timezone

from reviews.models import Domain, SyncRun

logger = logging.getLogger(__name__)

ACTIVE = [SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]


class BackfillCancelled(Exception):
    """The run was cancelled while its worker fetched a page; the page is not stored."""


class BackfillTakenOver(Exception):
    """Another worker claimed the run as stalled while this one fetched a page; the page is not stored."""


def backfill_active(*, domain: Domain) -> SyncRun | None:
    """The domain's queued or running backfill, if any."""
    return SyncRun.objects.filter(domain=domain, kind=SyncRun.Kind.BACKFILL, status__in=ACTIVE).first()


def backfills_cancel(*, runs: QuerySet[SyncRun], reason: str) -> int:
    """Cancel the queued and running backfills among `runs`; the others are left as they are."""
    now = timezone.now()
    cancelled = 0
    # One UPDATE per run so each keeps its own error text; the status condition makes a finished run immune.
    for pk, error in runs.filter(kind=SyncRun.Kind.BACKFILL, status__in=ACTIVE).values_list("pk", "error"):
        error = "\n".join([error, reason]).strip()
        cancelled += SyncRun.objects.filter(pk=pk, status__in=ACTIVE).update(
            status=SyncRun.Status.CANCELLED, finished_at=now, error=error, updated_at=now
        )
    if cancelled:
        logger.info("%d backfill(s) cancelled: %s", cancelled, reason)
    return cancelled
