"""The support managers' dashboard figures: read-only queries, a fixed number per page whatever the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from integrations.delivery import AWAITING_DELIVERY
from integrations.models import ChannelEvent, ChannelInstance, ReviewTicketLink, ZendeskAccount
from reviews.models import Domain, Reply, SyncRun, TrustpilotAccount
from reviews.schedule import Plan, Priority
from reviews.selectors import MISSED_POLLS_BEFORE_WARNING, poll_overdue_after, tokens_need_attention
from reviews.services import polling

BACKFILLS_SHOWN = 10


@dataclass(frozen=True)
class DomainPoll:
    pk: int
    name: str
    last_successful_poll_at: datetime | None
    last_error: str
    overdue: bool
    interval: float | None = None  # seconds between its polls now; None while it is not polled
    overdue_after: timedelta | None = None


@dataclass(frozen=True)
class BudgetWindow:
    """Calls of one API key in one limit's sliding window, next to what each priority may bring it to."""

    seconds: int
    used: int
    limit: int
    poll_ceiling: int  # polls, re-scans and backfills stop here: the rest is the reserve
    backfill_used: int
    backfill_ceiling: int


@dataclass(frozen=True)
class PollSchedule:
    domains: int
    shortest: float | None  # the range of the domains' poll intervals, in seconds
    longest: float | None
    rescan_interval: float
    key: str  # the start of the digest the budget is stored under, never the API key
    windows: list[BudgetWindow]


@dataclass(frozen=True)
class InstanceBacklog:
    pk: int
    name: str
    subdomain: str
    waiting: int


@dataclass(frozen=True)
class ReplyCounts:
    pending: int
    failed: int


@dataclass(frozen=True)
class AccountCounts:
    needs_reauthorization: int
    tokens_need_attention: int


@dataclass(frozen=True)
class EventError:
    pk: int
    type_id: str
    subdomain: str
    received_at: datetime
    error: str


@dataclass(frozen=True)
class Backfill:
    pk: int
    domain: str
    status: str
    progress_percent: int


@dataclass(frozen=True)
class BackfillCounts:
    running: int
    queued: int


@dataclass(frozen=True)
class UninstallReport:
    pk: int
    subdomain: str
    reported_at: datetime


def domain_polls(*, now: datetime, plan: Plan | None = None) -> list[DomainPoll]:
    """Each enabled domain's last poll and its interval from the plan; overdue after missing a few polls."""
    plan = plan or polling.current_plan(now=now)
    pollable = set(polling.pollable().values_list("pk", flat=True))
    rows = list(
        Domain.objects.filter(enabled=True)
        .order_by("name", "pk")
        .values_list("pk", "name", "last_successful_poll_at", "last_error", "poll_watermark", "last_webhook_at")
    )
    intervals = polling.effective_intervals(
        plan, [(pk, watermark, hook) for pk, *_, watermark, hook in rows if pk in pollable], now=now
    )
    polls = []
    for pk, name, polled_at, error, _, _ in rows:
        interval = intervals.get(pk)
        late = poll_overdue_after()
        if interval is not None:
            late = max(late, timedelta(seconds=interval * MISSED_POLLS_BEFORE_WARNING))
        overdue = polled_at is None or polled_at < now - late
        polls.append(DomainPoll(pk, name, polled_at, error, overdue, interval, late))
    return polls


def poll_schedule(*, now: datetime, plan: Plan | None = None) -> PollSchedule:
    """The range of poll intervals the plan gives, and the budget of the API key in use right now."""
    plan = plan or polling.current_plan(now=now)
    budget = polling.poll_budget()
    windows = []
    for used in budget.usage():
        poll_ceiling, _ = budget.shares.ceilings(used.limit, Priority.POLL)
        _, backfill_ceiling = budget.shares.ceilings(used.limit, Priority.BACKFILL)
        windows.append(
            BudgetWindow(
                used.limit.seconds,
                int(used.total),
                used.limit.calls,
                poll_ceiling,
                int(used.backfill),
                backfill_ceiling or 0,
            )
        )
    shortest, longest = plan.interval_range() or (None, None)
    return PollSchedule(plan.domains, shortest, longest, plan.rescan_interval, budget.key[:8], windows)


def domains_refused() -> int:
    """Enabled domains Trustpilot no longer opens to their account: not polled until someone signs in again."""
    return Domain.objects.filter(enabled=True, access_denied_at__isnull=False).count()


def delivery_backlog() -> list[InstanceBacklog]:
    """Every active instance with how many of its links wait for Zendesk, in one query."""
    waiting = (
        ReviewTicketLink.objects.filter(AWAITING_DELIVERY, instance=OuterRef("pk"))
        .order_by()
        .values("instance")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        ChannelInstance.objects.filter(status=ChannelInstance.Status.ACTIVE)
        .annotate(waiting=Coalesce(Subquery(waiting, output_field=IntegerField()), Value(0)))
        .order_by("zendesk_account__subdomain", "name", "pk")
        .values_list("pk", "name", "zendesk_account__subdomain", "waiting")
    )
    return [InstanceBacklog(*row) for row in rows]


def reply_counts() -> ReplyCounts:
    counts = Reply.objects.aggregate(
        pending=Count("pk", filter=Q(status=Reply.Status.PENDING)),
        failed=Count("pk", filter=Q(status=Reply.Status.FAILED)),
    )
    return ReplyCounts(**counts)


def account_counts(*, now: datetime) -> AccountCounts:
    counts = TrustpilotAccount.objects.aggregate(
        needs_reauthorization=Count("pk", filter=Q(status=TrustpilotAccount.Status.NEEDS_REAUTHORIZATION)),
        tokens_need_attention=Count("pk", filter=tokens_need_attention(now=now)),
    )
    return AccountCounts(**counts)


def events_with_errors() -> int:
    return ChannelEvent.objects.exclude(error="").count()


def latest_event_errors(*, limit: int = 5) -> list[EventError]:
    rows = ChannelEvent.objects.exclude(error="").order_by("-received_at", "-pk")[:limit]
    return [EventError(*row) for row in rows.values_list("pk", "type_id", "subdomain", "received_at", "error")]


def backfills_in_progress(*, limit: int = BACKFILLS_SHOWN) -> list[Backfill]:
    """Running "sync unanswered reviews" runs first, then queued ones, oldest first within each."""
    rows = (
        SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL, status__in=[SyncRun.Status.RUNNING, SyncRun.Status.QUEUED])
        .order_by(Case(When(status=SyncRun.Status.RUNNING, then=0), default=1), "created_at", "pk")
        .values_list("pk", "domain__name", "status", "progress_percent")[:limit]
    )
    return [Backfill(*row) for row in rows]


def backfill_counts() -> BackfillCounts:
    counts = SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL).aggregate(
        running=Count("pk", filter=Q(status=SyncRun.Status.RUNNING)),
        queued=Count("pk", filter=Q(status=SyncRun.Status.QUEUED)),
    )
    return BackfillCounts(**counts)


def uninstalls_reported() -> list[UninstallReport]:
    """Active Zendesk accounts whose unconfirmed uninstall waits for a support manager, oldest first."""
    rows = ZendeskAccount.objects.filter(status=ZendeskAccount.Status.ACTIVE, uninstall_reported_at__isnull=False)
    ordered = rows.order_by("uninstall_reported_at", "pk").values_list("pk", "subdomain", "uninstall_reported_at")
    return [UninstallReport(pk, subdomain, reported_at) for pk, subdomain, reported_at in ordered if reported_at]
