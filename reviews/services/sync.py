"""Bring reviews in from Trustpilot: the periodic poll, the re-scan for edits, and backfills.

Each page is fetched outside any transaction, then stored together with the run's progress (and the
poll watermark or the backfill checkpoint) in one transaction, so a crash between pages loses
nothing and a resumed run starts at the first page not yet stored. On PostgreSQL the next page is
fetched while one is stored (reviews.services.fetch_ahead).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from reviews.models import Domain, Review, SyncRun, TrustpilotAccount
from reviews.schedule import Priority
from reviews.services import fetch_ahead, polling
from reviews.services.accounts import ReauthorizationNeeded, call_as_account
from reviews.services.ingest import PageResult, reviews_upsert
from reviews.services.review_status import review_removed
from reviews.services.run_outcome import run_fail, run_succeed
from reviews.services.runs import ACTIVE, BackfillCancelled, BackfillTakenOver
from reviews.signals import page_stored
from reviews.trustpilot import get_client
from reviews.trustpilot.client import TrustpilotClient
from reviews.trustpilot.errors import NotFound, TrustpilotError
from reviews.trustpilot.moderation import REMOVED
from reviews.trustpilot.types import ReviewData, ReviewPage

logger = logging.getLogger(__name__)

# Single-review reads one re-scan may spend confirming that reviews missing from its window are gone.
REMOVAL_CHECKS_PER_RUN = 20


class DomainNotPollable(Exception):
    """The domain is disabled, refused by Trustpilot, or its Trustpilot account is not connected."""


def pollable_domains() -> list[Domain]:
    return list(polling.pollable().select_related("account"))


def domain_poll(*, domain: Domain, kind: str = SyncRun.Kind.POLL, client: TrustpilotClient | None = None) -> SyncRun:
    """Fetch reviews created since the watermark (minus an overlap), or within the re-scan window."""
    _check_pollable(domain)
    now = timezone.now()
    if kind == SyncRun.Kind.RESCAN:
        start = now - timedelta(days=settings.TRUSTPILOT_RESCAN_DAYS)
    else:
        since = domain.poll_watermark or now - timedelta(days=settings.TRUSTPILOT_FIRST_POLL_DAYS)
        start = since - timedelta(seconds=settings.TRUSTPILOT_POLL_OVERLAP)
    run = SyncRun.objects.create(
        domain=domain, kind=kind, status=SyncRun.Status.RUNNING, period_start=start, started_at=now
    )
    client = client or get_client(priority=Priority.POLL)
    domain.last_polled_at = now
    domain.save(update_fields=["last_polled_at", "updated_at"])
    # Only a re-scan compares what it saw with what is stored; a poll keeps nothing of a page once it is
    # stored, so its memory does not grow with the number of reviews.
    seen: set[str] = set()
    stream = fetch_ahead.pages(
        lambda number: _fetch(client, domain, page=number, start=start),
        1,
        lambda number, page: None if page.is_last else number + 1,
    )
    try:
        with closing(stream):
            for _, page in stream:
                stored = _store(run, domain, page)
                if kind == SyncRun.Kind.RESCAN:
                    seen |= stored.review_ids.keys()
    except (TrustpilotError, ReauthorizationNeeded) as exc:
        run_fail(run, domain, exc)
        raise
    if kind == SyncRun.Kind.RESCAN:
        _confirm_missing(run, domain, client, seen=seen, start=start)
    run_succeed(run, domain)
    return run


def backfill_start(
    *,
    domain: Domain,
    days: int | None = None,
    since: datetime | None = None,
    requested_by: str = "",
    enqueue: bool = True,
) -> SyncRun:
    """Create a "sync unanswered reviews" run for the last `days` days, or from `since` until now.

    Its task starts after commit.
    """
    from reviews import tasks

    if (days is None) == (since is None):
        raise TypeError("backfill_start needs either days or since")
    _check_pollable(domain)
    end = timezone.now()
    run = SyncRun.objects.create(
        domain=domain,
        kind=SyncRun.Kind.BACKFILL,
        period_start=since if since is not None else end - timedelta(days=days or 0),
        period_end=end,
        requested_by=requested_by,
        checkpoint={"window": 0, "page": 1},
    )
    if enqueue:
        transaction.on_commit(lambda: tasks.run_backfill.delay(run.pk), robust=True)
    return run


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def backfill_windows(start: datetime, end: datetime, days: int) -> list[Window]:
    """Split the period so that no query pages deeper than one window; the windows do not overlap."""
    windows = []
    cursor = start
    while cursor < end:
        window_end = min(cursor + timedelta(days=days), end)
        # Trustpilot's date bounds are taken as inclusive: end one second before the next window starts.
        windows.append(Window(cursor, window_end if window_end == end else window_end - timedelta(seconds=1)))
        cursor = window_end
    return windows


def stalled_after() -> timedelta:
    """A running backfill whose heartbeat is older than this lost its worker and may be resumed."""
    return timedelta(seconds=settings.TRUSTPILOT_BACKFILL_STALLED_AFTER)


def backfill_claim(*, run_id: int) -> SyncRun | None:
    """Take the run for this worker, unless it finished or another live worker has it. A stalled run's worker
    may only be slow: the claim's new token in the checkpoint stops it at its next page (`_store`, `_finish`)."""
    stalled = timezone.now() - stalled_after()
    with transaction.atomic():
        run = (
            SyncRun.objects.select_for_update()
            .filter(
                Q(status=SyncRun.Status.QUEUED) | Q(status=SyncRun.Status.RUNNING, updated_at__lt=stalled),
                pk=run_id,
                kind=SyncRun.Kind.BACKFILL,
            )
            .first()
        )
        if run is None:
            return None
        SyncRun.objects.filter(pk=run_id).update(
            status=SyncRun.Status.RUNNING,
            started_at=Coalesce("started_at", Now()),
            checkpoint={**run.checkpoint, "claim": uuid.uuid4().hex},
            updated_at=Now(),
        )
    return SyncRun.objects.select_related("domain__account").get(pk=run_id)


def backfill_run(*, run: SyncRun, client: TrustpilotClient | None = None) -> SyncRun:
    """Continue a claimed backfill from its checkpoint until its last window is stored."""
    domain = run.domain
    end = run.period_end or run.created_at
    start = run.period_start or end
    windows = backfill_windows(start, end, settings.TRUSTPILOT_BACKFILL_WINDOW_DAYS)
    client = client or get_client(priority=Priority.BACKFILL)  # a bounded share: never what polling needs
    try:
        _check_pollable(domain)
        resume_at = (int(run.checkpoint.get("window", 0)), int(run.checkpoint.get("page", 1)))

        def fetch(at: tuple[int, int]) -> ReviewPage:
            window = windows[at[0]]
            return _fetch(client, domain, page=at[1], start=window.start, end=window.end, responded=False)

        def following(at: tuple[int, int], page: ReviewPage) -> tuple[int, int] | None:
            after = (at[0] + 1, 1) if page.is_last else (at[0], at[1] + 1)
            return after if after[0] < len(windows) else None

        stream = fetch_ahead.pages(fetch, resume_at if resume_at[0] < len(windows) else None, following)
        with closing(stream):
            for at, page in stream:
                window_index, page_number = (at[0] + 1, 1) if page.is_last else (at[0], at[1] + 1)
                run.checkpoint = {**run.checkpoint, "window": window_index, "page": page_number}
                run.progress_percent = int(100 * window_index / len(windows))
                _store(run, domain, page)
    except BackfillCancelled:
        run.refresh_from_db()
        logger.info("Backfill %s of %s stopped: it was cancelled", run.pk, domain)
        return run
    except BackfillTakenOver:
        logger.warning("Backfill %s of %s stopped here: another worker resumed it as stalled", run.pk, domain)
        run.refresh_from_db()
        return run
    except (TrustpilotError, ReauthorizationNeeded, DomainNotPollable) as exc:
        run_fail(run, domain, exc)
        raise
    run_succeed(run, domain)
    return run


def backfill_resume(*, run: SyncRun, enqueue: bool = True) -> None:
    """Queue a failed or stalled backfill again; it continues from its checkpoint."""
    from reviews import tasks

    SyncRun.objects.filter(pk=run.pk, kind=SyncRun.Kind.BACKFILL).exclude(
        status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.CANCELLED]
    ).update(status=SyncRun.Status.QUEUED, finished_at=None, updated_at=Now())
    if enqueue:
        transaction.on_commit(lambda: tasks.run_backfill.delay(run.pk), robust=True)


def backfill_give_up(*, run_id: int, reason: str) -> None:
    run = SyncRun.objects.get(pk=run_id)
    if run.status not in (SyncRun.Status.SUCCEEDED, SyncRun.Status.CANCELLED):
        run.status = SyncRun.Status.FAILED
        run.error = "\n".join([run.error, reason]).strip()
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "updated_at"])


def stalled_backfills() -> list[int]:
    stalled = timezone.now() - stalled_after()
    return list(
        SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL, updated_at__lt=stalled)
        .filter(status__in=ACTIVE)
        .values_list("pk", flat=True)
    )


def _check_pollable(domain: Domain) -> None:
    account = domain.account
    if not domain.enabled:
        raise DomainNotPollable(f"{domain} is disabled")
    if domain.access_denied_at is not None:
        raise DomainNotPollable(f"Trustpilot refused {domain} to its account: {domain.access_denied_reason}")
    if account is None or account.status != TrustpilotAccount.Status.CONNECTED:
        raise DomainNotPollable(f"{domain} has no connected Trustpilot account")


def _fetch(
    client: TrustpilotClient,
    domain: Domain,
    *,
    page: int,
    start: datetime,
    end: datetime | None = None,
    responded: bool | None = None,
) -> ReviewPage:
    account = domain.account
    if account is None:
        raise DomainNotPollable(f"{domain} has no connected Trustpilot account")
    return call_as_account(
        account,
        lambda token: client.review_page(
            access_token=token,
            business_unit_id=domain.business_unit_id,
            page=page,
            start=start,
            end=end,
            responded=responded,
            order_by="createdat.asc",
        ),
    )


def _store(run: SyncRun, domain: Domain, page: ReviewPage) -> PageResult:
    with transaction.atomic():
        Domain.objects.select_for_update().filter(pk=domain.pk).values_list("pk", flat=True).get()
        if run.kind == SyncRun.Kind.BACKFILL:
            status, checkpoint = (
                SyncRun.objects.select_for_update().filter(pk=run.pk).values_list("status", "checkpoint").get()
            )
            if status == SyncRun.Status.CANCELLED:
                raise BackfillCancelled
            if checkpoint.get("claim") != run.checkpoint.get("claim"):
                raise BackfillTakenOver
        result = reviews_upsert(domain=domain, reviews=page.reviews)
        responses = page_stored.send(sender=SyncRun, domain=domain, kind=run.kind, result=result)
        # One worker owns a run at a time (backfill_claim, checked above), so counting in Python is safe.
        run.tickets_queued += _tickets_queued(responses)
        run.pages_fetched += 1
        run.reviews_seen += result.seen
        run.reviews_new += result.new
        run.reviews_skipped += len(page.skipped)
        if page.skipped:
            run.error = "\n".join([run.error, *page.skipped]).strip()
        run.save(
            update_fields=[
                "pages_fetched",
                "reviews_seen",
                "reviews_new",
                "reviews_skipped",
                "tickets_queued",
                "error",
                "checkpoint",
                "progress_percent",
                "updated_at",
            ]
        )
        if run.kind != SyncRun.Kind.BACKFILL and result.newest_created_at is not None:
            Domain.objects.filter(pk=domain.pk).filter(
                Q(poll_watermark__isnull=True) | Q(poll_watermark__lt=result.newest_created_at)
            ).update(poll_watermark=result.newest_created_at)
    return result


def _confirm_missing(
    run: SyncRun, domain: Domain, client: TrustpilotClient, *, seen: set[str], start: datetime
) -> None:
    """Read each review TrustDesk has from the completed window that the list left out: a 404 is a removal.

    Only a 404 marks a review removed: the window's bounds are [UNCONFIRMED] (time zone, docs/trustpilot.md §4.1),
    and the list may leave out reviews Trustpilot hides, so a review read back is stored as it is now.
    An outage or refusal stops the checks and marks nothing; the next re-scan asks again.
    """
    account = domain.account
    started = run.started_at or run.created_at
    stored = Review.objects.filter(
        domain=domain, created_at_trustpilot__gte=start, created_at_trustpilot__lt=started, first_seen_at__lt=started
    ).exclude(trustpilot_status=REMOVED)
    missing = [
        review
        for review in stored.order_by("created_at_trustpilot").only("pk", "trustpilot_id", "domain_id")
        if review.trustpilot_id not in seen
    ][:REMOVAL_CHECKS_PER_RUN]
    for review in missing:
        if account is None:
            return
        try:
            data = review_read(account, client, review.trustpilot_id)
        except NotFound:
            review_removed(review=review)
            continue
        except (TrustpilotError, ReauthorizationNeeded) as exc:
            logger.warning("Re-scan of %s stopped checking for removed reviews: %s", domain, exc)
            return
        _store(run, domain, ReviewPage(page=0, per_page=1, reviews=[data], item_count=1))


def review_read(account: TrustpilotAccount, client: TrustpilotClient, review_id: str) -> ReviewData:
    """One review as Trustpilot shows it now, read with the account's tokens (refreshed when they expired)."""
    return call_as_account(account, lambda token: client.get_review(access_token=token, review_id=review_id))


def _tickets_queued(responses: Sequence[tuple[object, object]]) -> int:
    """What the page_stored receivers queued for Zendesk; each returns how many, or nothing."""
    return sum(queued for _, queued in responses if isinstance(queued, int))
