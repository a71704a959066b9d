"""Bring in the reviews of a domain left unanswered during the last N days, and print the progress."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reviews.management.commands.poll_reviews import find_domain
from reviews.models import SyncRun
from reviews.services import sync
from reviews.services.accounts import ReauthorizationNeeded
from reviews.trustpilot.errors import TrustpilotError


class Command(BaseCommand):
    help = "Syncs unanswered reviews of one domain for the last N days (runs here, resumable)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--domain", required=True, help="The domain's name, e.g. example.com")
        parser.add_argument("--days", type=int, required=True, help="How many days back, e.g. 30")
        parser.add_argument("--resume", type=int, metavar="RUN_ID", help="Continue an earlier run instead")

    def handle(self, *args: Any, domain: str, days: int, resume: int | None, **options: Any) -> None:
        if not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650")
        target = find_domain(domain)
        try:
            if resume:
                run = SyncRun.objects.get(pk=resume, domain=target, kind=SyncRun.Kind.BACKFILL)
                sync.backfill_resume(run=run, enqueue=False)
            else:
                run = sync.backfill_start(
                    domain=target, days=days, requested_by="manage.py sync_unanswered", enqueue=False
                )
        except (sync.DomainNotPollable, SyncRun.DoesNotExist) as exc:
            raise CommandError(str(exc)) from None
        claimed = sync.backfill_claim(run_id=run.pk)
        if claimed is None:
            self.stdout.write(f"Run {run.pk} is already being worked on by a worker.")
            return
        try:
            claimed = sync.backfill_run(run=claimed)
        except (TrustpilotError, ReauthorizationNeeded, sync.DomainNotPollable) as exc:
            raise CommandError(f"Run {run.pk} stopped: {exc}. Continue it with --resume {run.pk}") from None
        self.stdout.write(
            f"{target.name}: unanswered reviews of the last {days} day(s): {claimed.pages_fetched} page(s), "
            f"{claimed.reviews_seen} seen, {claimed.reviews_new} new (run {claimed.pk})"
        )
