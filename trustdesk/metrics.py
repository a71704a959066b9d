"""The Prometheus figures TrustDesk counts as things happen, and how a process hands them to a scrape.

They live in prometheus_client's default registry. With PROMETHEUS_MULTIPROC_DIR set for every process of a
host, each process (gunicorn's workers, Celery's pool) writes them to its own files in that directory and any
process of the host reads them all back, so one scrape per host sees that host's whole count. Figures kept in
the database are read at scrape time instead (integrations.metrics): they are the same whichever process answers.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess, start_http_server
from prometheus_client.metrics_core import Metric

logger = logging.getLogger(__name__)

TRUSTPILOT_CALLS = Counter(
    "trustdesk_trustpilot_calls",
    "Calls sent to Trustpilot's API, by API key and HTTP status of the answer ('none': no answer came).",
    ["key", "status"],
)
TRUSTPILOT_RATE_LIMITED = Counter(
    "trustdesk_trustpilot_rate_limited", "Answers 429 (too many requests) from Trustpilot, by API key.", ["key"]
)
# Zendesk pulls about every two minutes and gives up after a few seconds (docs/zendesk.md §3).
PULL_DURATION = Histogram(
    "trustdesk_zendesk_pull_duration_seconds",
    "Seconds TrustDesk took to answer one pull from Zendesk.",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# From the link's creation (the review, edit or reply queued for Zendesk) to Zendesk accepting it: what a
# support team waits, broker and worker delays included, not only the HTTP call.
PUSH_LATENCY = Histogram(
    "trustdesk_zendesk_push_latency_seconds",
    "Seconds from a resource being queued for Zendesk to Zendesk accepting it by push.",
    buckets=(1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0),
)
# What became of each POST to a Trustpilot account's webhook URL, and of each review one named.
WEBHOOK_DELIVERIES = Counter(
    "trustdesk_trustpilot_webhook_deliveries",
    "POSTs to Trustpilot webhook URLs, by outcome (accepted, unknown_url, disconnected, too_large, malformed).",
    ["outcome"],
)
WEBHOOK_REVIEWS = Counter(
    "trustdesk_trustpilot_webhook_reviews",
    "Reviews named by Trustpilot webhooks, by what re-reading them did (stored, removed, ignored, coalesced, failed).",
    ["outcome"],
)


def key_label(digest: str) -> str:
    """The label of an API key: the start of the digest the rate budget stores, never the key itself."""
    return digest[:12]


def api_key_label(api_key: str) -> str:
    return key_label(hashlib.sha256(api_key.encode()).hexdigest())


def count_trustpilot_answer(api_key: str, status: int | None) -> None:
    key = api_key_label(api_key)
    TRUSTPILOT_CALLS.labels(key=key, status=str(status) if status is not None else "none").inc()
    if status == 429:
        TRUSTPILOT_RATE_LIMITED.labels(key=key).inc()


def multiprocess_mode() -> bool:
    return bool(settings.PROMETHEUS_MULTIPROC_DIR)


def event_metrics() -> Iterable[Metric]:
    """This host's counters and histograms: every process's files in multiprocess mode, else this process's."""
    if not multiprocess_mode():
        return REGISTRY.collect()
    return host_registry().collect()


def host_registry() -> CollectorRegistry:
    """A registry that reads what every process of this host wrote to PROMETHEUS_MULTIPROC_DIR."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)  # type: ignore[no-untyped-call]
    return registry


def serve_worker_metrics() -> bool:
    """Serve this host's event metrics on TRUSTDESK_METRICS_WORKER_PORT, for hosts that run no web process.

    Several workers of one host share the directory, so one server is enough: a worker that finds the port
    taken leaves it to the one already serving.
    """
    port = settings.TRUSTDESK_METRICS_WORKER_PORT
    if not port:
        return False
    registry = host_registry()
    address = settings.TRUSTDESK_METRICS_WORKER_ADDRESS
    try:
        start_http_server(port, addr=address, registry=registry)
    except OSError as exc:
        logger.info(
            "Worker metrics not served on %s:%s (%s): another worker of this host may serve them", address, port, exc
        )
        return False
    logger.info("Serving this host's worker metrics on http://%s:%s/metrics", address, port)
    return True
