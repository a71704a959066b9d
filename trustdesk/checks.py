"""System checks for configuration that is legal but probably a mistake (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_trustpilot_credentials(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.TRUSTDESK_SANDBOX or (settings.TRUSTPILOT_API_KEY and settings.TRUSTPILOT_API_SECRET):
        return []
    return [
        Warning(
            "TRUSTPILOT_API_KEY or TRUSTPILOT_API_SECRET is empty: TrustDesk cannot talk to Trustpilot.",
            hint="Create an API application in Trustpilot Business (Integrations > API) and set both keys.",
            id="trustdesk.W001",
        )
    ]


@register(Tags.compatibility, deploy=True)
def check_broker(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.CELERY_BROKER_URL:
        return []
    return [
        Warning(
            "CELERY_BROKER_URL is empty: tasks run inside the web process that queues them.",
            hint="In production, set CELERY_BROKER_URL to Redis or RabbitMQ and run celery worker and beat.",
            id="trustdesk.W002",
        )
    ]
