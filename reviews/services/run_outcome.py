"""How a poll, re-scan or backfill run ends: succeeded, failed (or queued again), unless cancelled meanwhile."""

from __future__ import annotations

import logging

from django.utils import timezone

from reviews.models import Domain, SyncRun
from reviews.services.accounts import UnitAccessDenied
from reviews.services.domains import domain_access_deny
from reviews.trustpilot.errors import RETRYABLE

logger = logging.getLogger(__name__)


def run_succeed(run: SyncRun, domain: Domain) -> None:
    now = timezone.now()
    if _finish(run, status=SyncRun.Status.SUCCEEDED, progress_percent=100, finished_at=now):
        Domain.objects.filter(pk=domain.pk).update(last_successful_poll_at=now, last_error="", updated_at=now)


def run_fail(run: SyncRun, domain: Domain, exc: Exception) -> None:
    """Record the failure where the admin shows it. The caller re-raises, so the task retries or reports.

    A backfill hit by a passing outage goes back to the queue, to resume from its checkpoint.
    """
    message = f"{type(exc).__name__}: {exc}"
    logger.warning("%s of %s failed: %s", run.get_kind_display(), domain, message)
    waits = run.kind == SyncRun.Kind.BACKFILL and isinstance(exc, RETRYABLE)
    failed = _finish(
        run,
        status=SyncRun.Status.QUEUED if waits else SyncRun.Status.FAILED,
        error="\n".join([run.error, message]).strip(),
        finished_at=None if waits else timezone.now(),
    )
    if failed:
        Domain.objects.filter(pk=domain.pk).update(last_error=message, updated_at=timezone.now())
    if isinstance(exc, UnitAccessDenied):
        account = domain.account
        domain_access_deny(
            domain=domain,
            reason=f"Trustpilot refused this business unit to {account or 'its account'} ({exc.message}); "
            "sign in again with a Trustpilot user who can open it.",
        )


def _finish(run: SyncRun, **outcome: object) -> bool:
    """Write the run's outcome, unless it was cancelled meanwhile: then it keeps what the cancel wrote
    (a retry finds it cancelled and stops), and `run` is read back."""
    outcome["updated_at"] = timezone.now()
    runs = SyncRun.objects.filter(pk=run.pk).exclude(status=SyncRun.Status.CANCELLED)
    if run.kind == SyncRun.Kind.BACKFILL and "claim" in run.checkpoint:  # not if another worker took it over
        runs = runs.filter(checkpoint__claim=run.checkpoint["claim"])
    written = runs.update(**outcome)
    if not written:
        run.refresh_from_db()
        return False
    for field, value in outcome.items():
        setattr(run, field, value)
    return True
