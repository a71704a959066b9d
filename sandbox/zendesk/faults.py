"""Injected failures and latency, per subdomain, counted down in the database so processes never double count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import F

from sandbox.zendesk.errors import ApiError, bad_request
from sandbox.zendesk.models import SandboxZendesk

FAIL_STATUSES = (429, 500, 502, 503, 504)
PUSH_INVALID_STATUSES = (400, 422)
RATE_LIMIT_RETRY_AFTER = 1
MAX_VALUE = 2_147_483_647
_ERRORS = {
    429: ("APIRateLimitExceeded", "Number of allowed API requests per minute exceeded"),
    500: ("InternalServerError", "Internal server error"),
    502: ("BadGateway", "Bad gateway"),
    503: ("ServiceUnavailable", "Zendesk is temporarily unavailable"),
    504: ("GatewayTimeout", "Gateway timeout"),
}


def faults_fail_next(zendesk: SandboxZendesk, *, status: int, count: int, retry_after: int) -> SandboxZendesk:
    """The next `count` API calls of this subdomain answer `status`."""
    SandboxZendesk.objects.filter(pk=zendesk.pk).update(fail_next=count, fail_status=status, retry_after=retry_after)
    zendesk.refresh_from_db()
    return zendesk


def faults_slow(zendesk: SandboxZendesk, *, latency_ms: int) -> SandboxZendesk:
    SandboxZendesk.objects.filter(pk=zendesk.pk).update(latency_ms=latency_ms)
    zendesk.refresh_from_db()
    return zendesk


def faults_validate_token(zendesk: SandboxZendesk, *, unavailable: bool) -> SandboxZendesk:
    """While `unavailable`, every validate_token call of this subdomain answers 503; other calls are untouched."""
    SandboxZendesk.objects.filter(pk=zendesk.pk).update(validate_token_unavailable=unavailable)
    zendesk.refresh_from_db()
    return zendesk


def faults_unused_restrictions(zendesk: SandboxZendesk, *, empty: bool) -> SandboxZendesk:
    """While `empty`, installations of this subdomain show a restriction that is off as [] instead of null."""
    SandboxZendesk.objects.filter(pk=zendesk.pk).update(unused_restrictions_empty=empty)
    zendesk.refresh_from_db()
    return zendesk


def faults_push_invalid(zendesk: SandboxZendesk, *, status: int) -> SandboxZendesk:
    """The status a push whose body the schema refuses answers: 400 or 422 (docs/zendesk.md §8.2)."""
    SandboxZendesk.objects.filter(pk=zendesk.pk).update(push_invalid_status=status)
    zendesk.refresh_from_db()
    return zendesk


def faults_reset(zendesk: SandboxZendesk) -> SandboxZendesk:
    """Faults and latency off; the account's data stays as it is."""
    SandboxZendesk.objects.filter(pk=zendesk.pk).update(
        latency_ms=0,
        fail_next=0,
        fail_status=503,
        retry_after=0,
        validate_token_unavailable=False,
        unused_restrictions_empty=False,
        push_invalid_status=400,
    )
    zendesk.refresh_from_db()
    return zendesk


def faults_as_dict(zendesk: SandboxZendesk) -> dict[str, int | bool]:
    return {
        "latency_ms": zendesk.latency_ms,
        "fail_next": zendesk.fail_next,
        "status": zendesk.fail_status,
        "retry_after": zendesk.retry_after,
        "validate_token_unavailable": zendesk.validate_token_unavailable,
        "unused_restrictions_empty": zendesk.unused_restrictions_empty,
        "push_invalid_status": zendesk.push_invalid_status,
    }


def parse_fail_next(data: Mapping[str, Any]) -> dict[str, int]:
    """Validate `{"status": 503, "count": 1, "retry_after": 2}`; count defaults to 1, retry_after to none
    but for a 429, which Zendesk never sends without one: it defaults to 1 second there."""
    unknown = set(data) - {"status", "count", "retry_after"}
    if unknown:
        raise bad_request(f"Unknown settings: {', '.join(sorted(unknown))}; known: status, count, retry_after")
    status = data.get("status", 503)
    values = {
        "status": status,
        "count": data.get("count", 1),
        "retry_after": data.get("retry_after", RATE_LIMIT_RETRY_AFTER if status == 429 else 0),
    }
    for name, value in values.items():
        _check_whole_number(name, value)
    if values["status"] not in FAIL_STATUSES:
        raise bad_request(f"status must be one of {', '.join(map(str, FAIL_STATUSES))}")
    return values


def parse_latency(data: Mapping[str, Any]) -> int:
    if set(data) != {"latency_ms"}:
        raise bad_request('Send {"latency_ms": N}')
    value = data["latency_ms"]
    _check_whole_number("latency_ms", value)
    return int(value)


def parse_validate_token(data: Mapping[str, Any]) -> bool:
    """Validate `{"unavailable": true}` (or false, to turn it off)."""
    if set(data) != {"unavailable"} or not isinstance(data["unavailable"], bool):
        raise bad_request('Send {"unavailable": true} or {"unavailable": false}')
    return bool(data["unavailable"])


def parse_unused_restrictions(data: Mapping[str, Any]) -> bool:
    """Validate `{"empty": true}` (or false, for null again)."""
    if set(data) != {"empty"} or not isinstance(data["empty"], bool):
        raise bad_request('Send {"empty": true} or {"empty": false}')
    return bool(data["empty"])


def parse_push_invalid(data: Mapping[str, Any]) -> int:
    """Validate `{"status": 422}` (or 400, the default)."""
    if set(data) != {"status"} or data["status"] not in PUSH_INVALID_STATUSES or isinstance(data["status"], bool):
        raise bad_request('Send {"status": 400} or {"status": 422}')
    return int(data["status"])


def validate_token_failure(zendesk: SandboxZendesk) -> ApiError | None:
    """The 503 of validate_token while it is switched off for this subdomain."""
    if not zendesk.validate_token_unavailable:
        return None
    return _injected(503, retry_after=0)


def injected_failure(zendesk: SandboxZendesk) -> ApiError | None:
    """Take one of the `fail_next` failures, if any are left."""
    if zendesk.fail_next <= 0:
        return None
    if not SandboxZendesk.objects.filter(pk=zendesk.pk, fail_next__gt=0).update(fail_next=F("fail_next") - 1):
        return None
    status = zendesk.fail_status if zendesk.fail_status in FAIL_STATUSES else 503
    return _injected(status, retry_after=zendesk.retry_after)


def _injected(status: int, *, retry_after: int) -> ApiError:
    """A 429 always carries Retry-After, as Zendesk's do; a 5xx only when retry_after is set."""
    error, description = _ERRORS[status]
    headers = {"Retry-After": str(retry_after)} if retry_after or status == 429 else {}
    return ApiError(
        status, {"error": error, "description": f"{description} (injected by the sandbox)"}, headers=headers
    )


def _check_whole_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VALUE:
        raise bad_request(f"{name} must be a whole number from 0 to {MAX_VALUE}")
