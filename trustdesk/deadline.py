"""A deadline for everything one request does, read by every HTTP client and every wait on the way.

Zendesk waits for a channelback's answer with a timeout it does not publish (docs/zendesk.md §4.3): the whole
request, the author check at Zendesk and the calls to Trustpilot included, must fit in one budget.
The deadline lives in a context variable, so a token refresh or a rate-budget wait deep inside a
service obeys it without every signature passing it down. Outside `within(...)` nothing is cut.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Less than this left is no time for an HTTP call: the caller gives up at once instead.
MINIMUM_CALL = 0.05

_ends_at: ContextVar[float | None] = ContextVar("trustdesk_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Run the block under a deadline `seconds` from now (or an earlier one already running)."""
    ends_at = time.monotonic() + seconds
    current = _ends_at.get()
    token = _ends_at.set(ends_at if current is None else min(current, ends_at))
    try:
        yield
    finally:
        _ends_at.reset(token)


def time_left() -> float | None:
    """Seconds until the deadline (0 once passed), or None when no deadline runs."""
    ends_at = _ends_at.get()
    return None if ends_at is None else max(0.0, ends_at - time.monotonic())


def call_timeout(default: float) -> float | None:
    """The timeout for one HTTP call: `default`, cut to the time left; None when there is no time for it."""
    left = time_left()
    if left is None:
        return default
    return min(default, left) if left >= MINIMUM_CALL else None


def fits(seconds: float) -> bool:
    """Whether waiting `seconds` still leaves time for a call after it."""
    left = time_left()
    return left is None or seconds + MINIMUM_CALL <= left
