"""The figures a scrape reads from the database: the same from any web process of any host, at a fixed query count.

Polls, backlog, replies and the Trustpilot budget are shared state, so they are read when Prometheus asks rather
than counted by processes that come and go; six queries, however many domains and instances there are.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from integrations.dashboard import delivery_backlog, reply_counts
from reviews.models import Domain
from reviews.ratebudget import BACKFILL_SCOPE, configured_limits, window_counts
from reviews.services.polling import current_plan, effective_intervals
from trustdesk.metrics import api_key_label, key_label


def budget_limits() -> dict[int, int]:
    """Calls allowed per API key, by window length in seconds: the limits every client draws on."""
    return {limit.seconds: limit.calls for limit in configured_limits()}


class DatabaseCollector:
    def __init__(self, *, now: datetime | None = None, clock: float | None = None) -> None:
        self.now = now
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.now or timezone.now()
        yield from self._polls(now)
        yield from self._backlog()
        yield from self._replies()
        yield from self._budget(self.clock if self.clock is not None else time.time())

    def _polls(self, now: datetime) -> Iterator[Metric]:
        interval = GaugeMetricFamily(
            "trustdesk_poll_interval_seconds",
            "The shortest interval between two polls of a domain (TRUSTPILOT_POLL_INTERVAL).",
        )
        interval.add_metric([], settings.TRUSTPILOT_POLL_INTERVAL)
        yield interval
        age = GaugeMetricFamily(
            "trustdesk_domain_poll_age_seconds",
            "Seconds since the last successful poll of each enabled domain (since it was added, if never polled).",
            labels=["domain", "business_unit_id"],
        )
        every = GaugeMetricFamily(
            "trustdesk_domain_poll_interval_seconds",
            "Seconds between two polls of each enabled domain, as the scheduler plans them now (docs/scheduling.md).",
            labels=["domain", "business_unit_id"],
        )
        rows = list(
            Domain.objects.filter(enabled=True).values_list(
                "pk",
                "name",
                "business_unit_id",
                "last_successful_poll_at",
                "created_at",
                "poll_watermark",
                "last_webhook_at",
            )
        )
        intervals = effective_intervals(current_plan(now=now), [(row[0], row[5], row[6]) for row in rows], now=now)
        for pk, name, business_unit_id, polled_at, created_at, _, _ in rows:
            age.add_metric([name, business_unit_id], max(0.0, (now - (polled_at or created_at)).total_seconds()))
            every.add_metric([name, business_unit_id], intervals[pk])
        yield age
        yield every

    def _backlog(self) -> Iterator[Metric]:
        # "channel_instance", not "instance": Prometheus gives that label to the scraped target.
        backlog = GaugeMetricFamily(
            "trustdesk_instance_backlog",
            "Resources queued for Zendesk and not yet delivered (by pull or push), per active channel instance.",
            labels=["subdomain", "channel_instance", "instance_name"],
        )
        for row in delivery_backlog():
            backlog.add_metric([row.subdomain, str(row.pk), row.name], row.waiting)
        yield backlog

    def _replies(self) -> Iterator[Metric]:
        counts = reply_counts()
        replies = GaugeMetricFamily(
            "trustdesk_replies",
            "Replies written in Zendesk by status: pending (not yet on Trustpilot), failed (final).",
            labels=["status"],
        )
        replies.add_metric(["pending"], counts.pending)
        replies.add_metric(["failed"], counts.failed)
        yield replies

    def _budget(self, clock: float) -> Iterator[Metric]:
        limits = budget_limits()
        # A backfill's own count (its share of its key's calls) is already in its key's.
        counts = {
            (key_label(key), seconds): count
            for (key, seconds), count in window_counts(None, configured_limits(), now=clock).items()
            if not key.endswith(BACKFILL_SCOPE)
        }
        keys = {key for key, _ in counts}
        if settings.TRUSTPILOT_API_KEY:
            keys.add(api_key_label(settings.TRUSTPILOT_API_KEY))
        calls = GaugeMetricFamily(
            "trustdesk_trustpilot_budget_calls",
            "Calls counted against each API key's sliding window of Trustpilot's limit, shared by every process.",
            labels=["key", "window_seconds"],
        )
        used = GaugeMetricFamily(
            "trustdesk_trustpilot_budget_used_ratio",
            "Share of each API key's Trustpilot limit in use in the sliding window (1 = spent).",
            labels=["key", "window_seconds"],
        )
        allowed = GaugeMetricFamily(
            "trustdesk_trustpilot_budget_limit", "Calls allowed per API key in each window.", labels=["window_seconds"]
        )
        for seconds, limit in limits.items():
            allowed.add_metric([str(seconds)], limit)
            for key in sorted(keys):
                in_window = counts.get((key, seconds), 0)
                calls.add_metric([key, str(seconds)], in_window)
                used.add_metric([key, str(seconds)], in_window / limit)
        yield from (calls, used, allowed)
