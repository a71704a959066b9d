"""What both vendor clients read the same way from an HTTP answer: its failure kind and its Retry-After.

Each client turns a kind into its own error family (reviews.trustpilot.errors, integrations.zendesk.errors),
so callers decide on errors, never on status codes.
"""

from __future__ import annotations

import contextlib
import enum
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests


class Failure(enum.Enum):
    AUTH = "auth"  # 401, 403: credentials or access refused
    NOT_FOUND = "not_found"  # 404
    RATE_LIMITED = "rate_limited"  # 429: not processed, safe to send again later
    UNAVAILABLE = "unavailable"  # 5xx: worth retrying later
    REFUSED = "refused"  # any other 4xx: the request itself is wrong; retrying cannot help


def failure_of(status: int) -> Failure | None:
    """The kind of failure an HTTP status is, or None for a success (below 400)."""
    if status < 400:
        return None
    if status in (401, 403):
        return Failure.AUTH
    if status == 404:
        return Failure.NOT_FOUND
    if status == 429:
        return Failure.RATE_LIMITED
    if status >= 500:
        return Failure.UNAVAILABLE
    return Failure.REFUSED


def retry_after_seconds(response: requests.Response) -> float | None:
    """Retry-After in seconds from now (RFC 9110 §10.2.3: delay seconds or an HTTP date), None when absent."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no zone information (RFC 5322)
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
