"""Errors of calls to Zendesk's API."""

from __future__ import annotations


class ZendeskError(Exception):
    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class AuthError(ZendeskError):
    """401/403: the push token is missing, expired or revoked; the admin must save the account again."""


class BadRequest(ZendeskError):
    """4xx: Zendesk refused the request itself."""


class RateLimited(ZendeskError):
    """429: retry after `retry_after` seconds."""


class Unavailable(ZendeskError):
    """5xx, a timeout or a connection failure."""


RETRYABLE = (RateLimited, Unavailable)


class NotFound(BadRequest):
    """404: the ticket, user or app installation does not exist (any more)."""
