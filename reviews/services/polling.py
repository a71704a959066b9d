"""Apply the poll plan (reviews.schedule) to the database: which domains to poll on this tick, and when next.

Beat runs reviews.poll_due_domains every TRUSTPILOT_POLL_TICK seconds. Each tick plans from the counts of
pollable domains per kind, takes the due domains (next_poll_at passed, or never set) in due order, as many
as the poll share of the budget has left, and moves each one's next_poll_at with a conditional UPDATE on
the value it read: two beats, or a tick overlapping the previous one, cannot queue a domain twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from reviews import schedule
from reviews.models import Domain, SyncRun, TrustpilotAccount
from reviews.ratebudget import DatabaseBudget, configured_limits, configured_shares
from reviews.schedule import Config, DomainState, Kind, Plan, Priority
from reviews.services.runs import ACTIVE


def schedule_config() -> Config:
    return Config(
        floor=float(settings.TRUSTPILOT_POLL_INTERVAL),
        tick=float(settings.TRUSTPILOT_POLL_TICK),
        shares=configured_shares(),
        active_window=float(settings.TRUSTPILOT_ACTIVE_WINDOW),
        active_weight=float(settings.TRUSTPILOT_ACTIVE_WEIGHT),
        webhook_window=float(settings.TRUSTPILOT_WEBHOOK_WINDOW),
        webhook_factor=float(settings.TRUSTPILOT_WEBHOOK_POLL_FACTOR),
        rescan_interval=float(settings.TRUSTPILOT_RESCAN_INTERVAL),
    )


def poll_budget() -> DatabaseBudget:
    return DatabaseBudget(
        api_key=settings.TRUSTPILOT_API_KEY,
        limits=configured_limits(),
        priority=Priority.POLL,
        shares=configured_shares(),
    )


def pollable() -> QuerySet[Domain]:
    return Domain.objects.filter(
        enabled=True, access_denied_at__isnull=True, account__status=TrustpilotAccount.Status.CONNECTED
    )


def backfill_active() -> bool:
    return SyncRun.objects.filter(kind=SyncRun.Kind.BACKFILL, status__in=ACTIVE).exists()


def _kind_filters(*, now: datetime, config: Config) -> dict[Kind, Q]:
    active = Q(poll_watermark__gte=now - timedelta(seconds=config.active_window))
    webhooks = Q(last_webhook_at__gte=now - timedelta(seconds=config.webhook_window))
    return {
        kind: (active if kind.active else ~active) & (webhooks if kind.webhooks else ~webhooks)
        for kind in schedule.KINDS
    }


def current_plan(*, now: datetime, config: Config | None = None, backfilling: bool | None = None) -> Plan:
    """The plan for the pollable domains as they are now, counted per kind in one query."""
    config = config or schedule_config()
    filters = _kind_filters(now=now, config=config)
    counts = pollable().aggregate(**{_label(kind): Count("pk", filter=where) for kind, where in filters.items()})
    by_kind = {kind: int(counts[_label(kind)] or 0) for kind in schedule.KINDS}
    if backfilling is None:
        backfilling = backfill_active()
    return schedule.plan(by_kind, configured_limits(), config, backfill_active=backfilling)


def _label(kind: Kind) -> str:
    return f"{'active' if kind.active else 'quiet'}_{'webhooks' if kind.webhooks else 'polled'}"


def state_of(
    pk: int, watermark: datetime | None, webhook_at: datetime | None, polled_at: datetime | None
) -> DomainState:
    return DomainState(
        key=pk,
        newest_review_at=_seconds(watermark),
        last_webhook_at=_seconds(webhook_at),
        last_polled_at=_seconds(polled_at),
    )


def _seconds(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


@dataclass(frozen=True)
class Due:
    domain_id: int
    kind: str  # SyncRun.Kind.POLL or RESCAN


def polls_due(*, now: datetime | None = None, budget: DatabaseBudget | None = None) -> list[Due]:
    """Claim the domains to poll on this tick and set when each is next due."""
    now = now or timezone.now()
    config = schedule_config()
    backfilling = backfill_active()
    plan = current_plan(now=now, config=config, backfilling=backfilling)
    usage = (budget or poll_budget()).usage()
    allowance = schedule.tick_allowance(plan, usage, config)
    if allowance < 1:
        return []
    # Due within half a tick counts as due now: the worker's start time varies from tick to tick, and a domain
    # due a few milliseconds after this tick's clock would otherwise wait a whole tick more.
    horizon = now + timedelta(seconds=config.tick / 2)
    rows = (
        pollable()
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=horizon))
        .order_by(F("next_poll_at").asc(nulls_first=True), "pk")
        .values_list("pk", "next_poll_at", "poll_watermark", "last_webhook_at", "last_polled_at")
    )
    due: list[Due] = []
    spent = 0.0
    moment = now.timestamp()
    for pk, next_at, watermark, webhook_at, polled_at in rows[: int(allowance)]:
        state = state_of(pk, watermark, webhook_at, polled_at)
        rescan = schedule.rescan_due(state, now=moment, plan=plan)
        cost = schedule.poll_cost(rescan=rescan)
        if spent + cost > allowance:
            break
        following = datetime.fromtimestamp(schedule.next_poll_at(state, now=moment, plan=plan, config=config), UTC)
        claim = Domain.objects.filter(pk=pk)
        claim = claim.filter(next_poll_at__isnull=True) if next_at is None else claim.filter(next_poll_at=next_at)
        if claim.update(next_poll_at=following):
            due.append(Due(pk, SyncRun.Kind.RESCAN if rescan else SyncRun.Kind.POLL))
            spent += cost
    return due


def poll_refused(*, domain_id: int, now: datetime | None = None) -> None:
    """A poll the shared budget refused (replies or webhooks took the calls) is due again at once, not a whole
    interval later: the next tick with budget left takes it, in due order."""
    Domain.objects.filter(pk=domain_id).update(next_poll_at=now or timezone.now())


def effective_intervals(
    plan: Plan, rows: Iterable[tuple[int, datetime | None, datetime | None]], *, now: datetime
) -> dict[int, float]:
    """Seconds between two polls of each domain, from (pk, poll_watermark, last_webhook_at)."""
    config = schedule_config()
    moment = now.timestamp()
    return {
        pk: plan.interval(schedule.kind_of(state_of(pk, watermark, webhook_at, None), now=moment, config=config))
        for pk, watermark, webhook_at in rows
    }
