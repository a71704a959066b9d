"""The figures a scrape reads from the database: the same from any web process of any host, at a fixed query count.

Polls, backlog, replies and the Trustpilot budget are shared state, so they are read when Prometheus asks rather
than counted by processes that come and go; four aggregate queries, however many domains and instances there are.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from integrations.dashboard import delivery_backlog, reply_counts
from reviews.models import Domain, RateBudgetWindow
from reviews.ratebudget import carried_over, configured_limits
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
            "trustdesk_poll_interval_seconds", "Seconds between polls of each domain (TRUSTPILOT_POLL_INTERVAL)."
        )
        interval.add_metric([], settings.TRUSTPILOT_POLL_INTERVAL)
        yield interval
        age = GaugeMetricFamily(
            "trustdesk_domain_poll_age_seconds",
            "Seconds since the last successful poll of each enabled domain (since it was added, if never polled).",
            labels=["domain", "business_unit_id"],
        )
        rows = Domain.objects.filter(enabled=True).values_list(
            "name", "business_unit_id", "last_successful_poll_at", "created_at"
        )
        for name, business_unit_id, polled_at, created_at in rows:
            age.add_metric([name, business_unit_id], max(0.0, (now - (polled_at or created_at)).total_seconds()))
        yield age

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
        wanted = Q()
        for seconds in limits:
            current = int(clock // seconds)
            wanted |= Q(window_seconds=seconds, window_index__in=[current - 1, current])
        counts: dict[tuple[str, int, int], int] = {}
        for key, seconds, index, count in RateBudgetWindow.objects.filter(wanted).values_list(
            "key", "window_seconds", "window_index", "count"
        ):
            counts[(key_label(key), seconds, index)] = count
        keys = {key for key, _, _ in counts}
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
            current = int(clock // seconds)
            for key in sorted(keys):
                previous = counts.get((key, seconds, current - 1), 0)
                in_window = counts.get((key, seconds, current), 0) + carried_over(previous, seconds=seconds, now=clock)
                calls.add_metric([key, str(seconds)], in_window)
                used.add_metric([key, str(seconds)], in_window / limit)
        yield from (calls, used, allowed)
