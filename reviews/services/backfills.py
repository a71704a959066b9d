"""Backfills a person asks for in the admin: one at a time per domain."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from reviews.models import Domain, SyncRun
from reviews.services.runs import backfill_active
from reviews.services.sync import backfill_start


class BackfillInProgress(Exception):
    """The domain already has a queued or running backfill; a second one would only repeat it."""

    def __init__(self, run: SyncRun) -> None:
        super().__init__(f"{run.domain} already has a sync of unanswered reviews {run.get_status_display().lower()}")
        self.run = run


def backfill_request(*, domain: Domain, since: datetime, requested_by: str) -> SyncRun:
    """Start a backfill from `since`, unless the domain already has one queued or running."""
    with transaction.atomic():
        # Under the domain's lock, so two requests at once cannot both find no active run.
        Domain.objects.select_for_update().filter(pk=domain.pk).values_list("pk", flat=True).get()
        active = backfill_active(domain=domain)
        if active is not None:
            raise BackfillInProgress(active)
        return backfill_start(domain=domain, since=since, requested_by=requested_by)
