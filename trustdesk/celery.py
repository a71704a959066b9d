"""The Celery application. Configuration comes from Django settings (CELERY_* keys)."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustdesk.settings")

app = Celery("trustdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@beat_init.connect
def poll_when_beat_starts(sender: object, **kwargs: object) -> None:
    """Interval schedules first fire one interval after beat starts; poll right away instead."""
    app.send_task("reviews.poll_due_domains", countdown=5)
