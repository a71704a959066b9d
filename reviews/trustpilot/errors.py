"""The errors a Trustpilot call can raise. Callers decide on these, never on HTTP status codes."""

from __future__ import annotations


class TrustpilotError(Exception):
    """Base class: something went wrong talking to Trustpilot."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AuthError(TrustpilotError):
    """401 or 403: the token (or the application's key) is not accepted. Refresh once, then re-authorize."""


class NotFound(TrustpilotError):
    """404: the review or business unit does not exist (or is not visible to this user)."""


class BadRequest(TrustpilotError):
    """400 or 422: Trustpilot refused the request itself; retrying the same request cannot help."""

    def __init__(self, message: str, *, status: int | None = 400, error_code: int | None = None) -> None:
        super().__init__(message, status=status)
        self.error_code = error_code


class RateLimited(TrustpilotError):
    """429, or TrustDesk's own budget for the API key is spent. Retry after `retry_after` seconds."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Unavailable(TrustpilotError):
    """5xx, a connection failure or an unreadable answer: worth retrying later."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class OutcomeUnknown(Unavailable):
    """The request may or may not have reached Trustpilot (a timeout after sending). Check before retrying."""


RETRYABLE = (RateLimited, Unavailable)
