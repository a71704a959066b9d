"""System checks (`manage.py check --deploy`) for configuration that is legal but probably a mistake, or that
starts but must not reach production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


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


@register(Tags.security, deploy=True)
def check_sandbox_off(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    # TRUSTDESK_SANDBOX_WITHOUT_DEBUG lets a staging server start with the sandboxes; a deployment check
    # still fails, so that server is never mistaken for one ready for production.
    if not settings.TRUSTDESK_SANDBOX:
        return []
    return [
        Error(
            "TRUSTDESK_SANDBOX is on: TrustDesk serves fake Trustpilot and Zendesk APIs under /sandbox/, which "
            "hand out tokens to anyone, and points its own Trustpilot and Zendesk settings at them by default.",
            hint="Set TRUSTDESK_SANDBOX=0 (and TRUSTDESK_SANDBOX_WITHOUT_DEBUG=0) on a production server.",
            id="trustdesk.E001",
        )
    ]
