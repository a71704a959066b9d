"""TrustDesk's client for Trustpilot's APIs."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from reviews.schedule import Priority
from reviews.trustpilot.client import TrustpilotClient


def get_client(**overrides: Any) -> TrustpilotClient:
    """A client configured from settings, drawing on the budget shared by every process.

    Polls and re-scans pass priority=Priority.POLL and backfills Priority.BACKFILL, so the budget keeps a reserve
    for everything a person or a webhook waits for (the default) and a share for polling.
    """
    from reviews.ratebudget import DatabaseBudget, configured_limits, configured_shares

    priority: Priority = overrides.pop("priority", Priority.INTERACTIVE)
    options: dict[str, Any] = {
        "api_url": settings.TRUSTPILOT_API_URL,
        "authorize_url": settings.TRUSTPILOT_AUTHORIZE_URL,
        "api_key": settings.TRUSTPILOT_API_KEY,
        "api_secret": settings.TRUSTPILOT_API_SECRET,
        "timeout": settings.TRUSTPILOT_TIMEOUT,
        "user_agent": f"TrustDesk (+{settings.TRUSTDESK_PUBLIC_URL})",
        "budget": DatabaseBudget(
            api_key=settings.TRUSTPILOT_API_KEY,
            limits=configured_limits(),
            max_wait=5.0,
            priority=priority,
            shares=configured_shares(),
        ),
    }
    options.update(overrides)
    return TrustpilotClient(**options)
