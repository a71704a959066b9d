"""Injected faults and the sandbox's own rate limit, kept in one database row shared by every process."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from sandbox.trustpilot.errors import ApiError, ErrorCode, bad_request
from sandbox.trustpilot.models import BusinessUnit, Faults, RateCounter, Token, UnitListing

FAIL_STATUSES = (429, 500, 502, 503)
NUMBER_SETTINGS = (
    "latency_ms",
    "fail_next",
    "fail_status",
    "retry_after",
    "rate_limit_per_minute",
    "access_token_lifetime",
    "refresh_token_lifetime",
    "new_review_every_seconds",
)
# How Trustpilot's sign-in may turn out to behave (docs/trustpilot.md §2.1, §2.3, §3.1): see models.Faults.
# …and how its API may (docs/trustpilot.md §6.3, §5.5, §6.2): a unit refused with 403, replies read back reformatted,
# 429s without Retry-After; and its webhooks (docs/trustpilot.md §4.7): batched or not, a bare deleted event, the
# reviewer's name under the API's key.
SWITCH_SETTINGS = (
    "echo_state",
    "strict_opener_policy",
    "send_app_enduser",
    "reformat_replies",
    "send_retry_after",
    "webhook_batches",
    "webhook_deleted_id_only",
    "webhook_consumer_display_name",
)
TEXT_SETTINGS = ("forbidden_unit",)
CHOICE_SETTINGS = {"unit_listing": tuple(UnitListing.values)}
SETTINGS = (*NUMBER_SETTINGS, *SWITCH_SETTINGS, *TEXT_SETTINGS, *CHOICE_SETTINGS)
MAX_VALUE = 2_147_483_647
_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

Setting = int | bool | str


def faults_get() -> Faults:
    faults, _ = Faults.objects.get_or_create(pk=1)
    return faults


def faults_set(
    *,
    latency_ms: int | None = None,
    fail_next: int | None = None,
    fail_status: int | None = None,
    retry_after: int | None = None,
    rate_limit_per_minute: int | None = None,
    access_token_lifetime: int | None = None,
    refresh_token_lifetime: int | None = None,
    new_review_every_seconds: int | None = None,
    echo_state: bool | None = None,
    unit_listing: str | None = None,
    strict_opener_policy: bool | None = None,
    send_app_enduser: bool | None = None,
    forbidden_unit: str | None = None,
    reformat_replies: bool | None = None,
    send_retry_after: bool | None = None,
    webhook_batches: bool | None = None,
    webhook_deleted_id_only: bool | None = None,
    webhook_consumer_display_name: bool | None = None,
) -> Faults:
    """Change the given settings and keep the rest, e.g. `faults_set(fail_next=2, fail_status=503)`."""
    given: dict[str, Setting | None] = {
        "latency_ms": latency_ms,
        "fail_next": fail_next,
        "fail_status": fail_status,
        "retry_after": retry_after,
        "rate_limit_per_minute": rate_limit_per_minute,
        "access_token_lifetime": access_token_lifetime,
        "refresh_token_lifetime": refresh_token_lifetime,
        "new_review_every_seconds": new_review_every_seconds,
        "echo_state": echo_state,
        "unit_listing": unit_listing,
        "strict_opener_policy": strict_opener_policy,
        "send_app_enduser": send_app_enduser,
        "forbidden_unit": forbidden_unit,
        "reformat_replies": reformat_replies,
        "send_retry_after": send_retry_after,
        "webhook_batches": webhook_batches,
        "webhook_deleted_id_only": webhook_deleted_id_only,
        "webhook_consumer_display_name": webhook_consumer_display_name,
    }
    return faults_apply(parse_changes({name: value for name, value in given.items() if value is not None}))


def faults_apply(changes: Mapping[str, Setting]) -> Faults:
    """Store settings parse_changes accepted."""
    faults_get()
    Faults.objects.filter(pk=1).update(**changes)
    return faults_get()


def faults_reset() -> Faults:
    """Every setting back to its default (all faults off); rate counters start afresh."""
    defaults = {field.name: field.get_default() for field in Faults._meta.concrete_fields if field.name in SETTINGS}
    RateCounter.objects.all().delete()
    faults, _ = Faults.objects.update_or_create(pk=1, defaults=defaults)
    return faults


def faults_as_dict(faults: Faults) -> dict[str, Setting]:
    numbers: dict[str, Setting] = {name: int(getattr(faults, name)) for name in NUMBER_SETTINGS}
    switches = {name: bool(getattr(faults, name)) for name in SWITCH_SETTINGS}
    texts = {name: str(getattr(faults, name)) for name in (*TEXT_SETTINGS, *CHOICE_SETTINGS)}
    return {**numbers, **switches, **texts}


def access_tokens_expire() -> int:
    """Make every current access token expired now, as if 100 hours had passed."""
    now = timezone.now()
    expired_at = now - timedelta(seconds=1)
    return Token.objects.filter(kind=Token.Kind.ACCESS, expires_at__gt=now).update(expires_at=expired_at)


def parse_changes(data: Mapping[str, Any]) -> dict[str, Setting]:
    """Validate what /_control/faults was sent; the expire_tokens action is handled by the view."""
    changes: dict[str, Setting] = {}
    for name, value in data.items():
        if name == "expire_tokens":
            continue
        if name not in SETTINGS:
            raise bad_request(f"Unknown fault setting {name!r}; known: {', '.join(SETTINGS)}, expire_tokens")
        changes[name] = _valid(name, value)
    if "fail_status" in changes and changes["fail_status"] not in FAIL_STATUSES:
        raise bad_request(f"fail_status must be one of {', '.join(map(str, FAIL_STATUSES))}")
    return changes


def _valid(name: str, value: object) -> Setting:
    if name in SWITCH_SETTINGS:
        if not isinstance(value, bool):
            raise bad_request(f"{name} must be true or false")
        return value
    if name in TEXT_SETTINGS:
        if not isinstance(value, str) or len(value) > 255:
            raise bad_request(f"{name} must be a string of at most 255 characters")
        return value.strip()
    if name in CHOICE_SETTINGS:
        if value not in CHOICE_SETTINGS[name]:
            raise bad_request(f"{name} must be one of {', '.join(CHOICE_SETTINGS[name])}")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VALUE:
        raise bad_request(f"{name} must be a whole number from 0 to {MAX_VALUE}")
    return value


def unit_forbidden(faults: Faults, unit: BusinessUnit) -> bool:
    """The switch names the unit by id or by domain; "" refuses none."""
    return bool(faults.forbidden_unit) and faults.forbidden_unit in (unit.id, unit.identifying_name)


def injected_failure(faults: Faults) -> ApiError | None:
    """Take one of the `fail_next` failures, counting down in the database so processes never double count.

    A 429 says when to come back, as clients expect of Trustpilot, unless send_retry_after is off.
    """
    if faults.fail_next <= 0:
        return None
    if not Faults.objects.filter(pk=faults.pk, fail_next__gt=0).update(fail_next=F("fail_next") - 1):
        return None
    status = faults.fail_status if faults.fail_status in FAIL_STATUSES else 503
    headers: dict[str, str] = {}
    if status == 429 and faults.send_retry_after:
        headers["Retry-After"] = str(faults.retry_after or 1)
    elif status == 503 and faults.retry_after:
        headers["Retry-After"] = str(faults.retry_after)
    message = f"{_REASONS[status]} (injected by the sandbox)"
    return ApiError(status, message, code=ErrorCode.INJECTED_FAULT, headers=headers)


def rate_limited(faults: Faults, *, api_key: str, now: datetime | None = None) -> ApiError | None:
    """Count this call against the API key's minute; beyond the limit, a 429 saying when the minute ends."""
    limit = faults.rate_limit_per_minute
    if limit <= 0:
        return None
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    _, created = RateCounter.objects.get_or_create(api_key=api_key, minute=minute)
    if created:
        RateCounter.objects.filter(minute__lt=minute - timedelta(minutes=10)).delete()
    counted = RateCounter.objects.filter(api_key=api_key, minute=minute, calls__lt=limit).update(calls=F("calls") + 1)
    if counted:
        return None
    retry_after = max(1, math.ceil((minute + timedelta(minutes=1) - now).total_seconds()))
    return ApiError(
        429,
        f"Too many requests: the sandbox allows {limit} calls per minute",
        code=ErrorCode.TOO_MANY_REQUESTS,
        headers={"Retry-After": str(retry_after)} if faults.send_retry_after else {},
    )
