"""A domain whose business unit Trustpilot no longer opens to its account: marked, and left unpolled."""

from __future__ import annotations

import logging

from django.utils import timezone

from reviews.models import Domain

logger = logging.getLogger(__name__)


def domain_access_deny(*, domain: Domain, reason: str) -> None:
    """Stop polling the domain until the account is shown to reach it again (accounts.domains_enable)."""
    now = timezone.now()
    Domain.objects.filter(pk=domain.pk).update(access_denied_at=now, access_denied_reason=reason, updated_at=now)
    domain.access_denied_at, domain.access_denied_reason = now, reason
    logger.warning("Trustpilot refused %s to its account; polling it stops: %s", domain, reason)
