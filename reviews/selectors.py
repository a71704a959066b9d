"""Read-only questions about Trustpilot accounts and domains, asked by the admin's dashboard and list filters."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from reviews.models import TrustpilotAccount

# One late poll (a slow page, a worker restart) is normal; this many missed in a row means polling stopped.
MISSED_POLLS_BEFORE_WARNING = 3


def poll_overdue_after() -> timedelta:
    return timedelta(seconds=settings.TRUSTPILOT_POLL_INTERVAL * MISSED_POLLS_BEFORE_WARNING)


def poll_overdue(last_successful_poll_at: datetime | None, *, now: datetime) -> bool:
    return last_successful_poll_at is None or last_successful_poll_at < now - poll_overdue_after()


def tokens_need_attention(*, now: datetime) -> Q:
    """Connected accounts about to lose access to Trustpilot.

    Either the refresh token expires within TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS (someone must sign in
    again before then), or the access token expired and stayed expired: every poll refreshes it near
    its expiry, so one expired for longer than the polls' grace period is one that could not be
    refreshed. A refused refresh is not counted here: it marks the account "needs re-authorization".
    """
    window = timedelta(days=settings.TRUSTDESK_TOKEN_EXPIRY_WARNING_DAYS)
    expiring = Q(refresh_token_expires_at__lte=now + window)
    unrefreshed = Q(access_token_expires_at__lte=now - poll_overdue_after())
    return Q(status=TrustpilotAccount.Status.CONNECTED) & (expiring | unrefreshed)
