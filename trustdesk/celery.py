"""The Celery application. Configuration comes from Django settings (CELERY_* keys)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")

app = Celery("trustdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def poll_when_beat_starts(sender: object, **kwargs: object) -> None:
    """Interval schedules first fire one interval after beat starts; poll right away instead."""
    app.send_task("reviews.poll_due_domains", countdown=5)


@worker_init.connect
def serve_metrics_when_worker_starts(sender: object, **kwargs: object) -> None:
    """In the worker's main process, before its pool forks: the pool's processes count, this one serves."""
    # Imported here: prometheus_client reads PROMETHEUS_MULTIPROC_DIR when first imported, after settings read .env.
    from trustdesk import metrics

    metrics.serve_worker_metrics()
