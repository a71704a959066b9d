"""Turn Trustpilot JSON into typed objects, tolerating the variations seen in real answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from reviews.trustpilot.types import BusinessUnit, BusinessUser, CompanyReply, ReviewData, TokenSet

# Access tokens last 100 hours (docs/trustpilot.md §2.4): assumed when an answer leaves expires_in out, so a missing
# field does not make every call refresh (which Trustpilot answers with 429).
DOCUMENTED_ACCESS_LIFETIME = 100 * 3600


class ParseError(ValueError):
    """A Trustpilot object lacks a required field or has one of the wrong type."""


def parse_datetime(value: object) -> datetime | None:
    """Trustpilot writes `2013-09-07T13:37:00`, `…T13:37:00Z` and `…T13:37:00.000Z`: all UTC."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ParseError(f"expected a date-time string, got {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(f"unreadable date-time {value!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(value: datetime) -> str:
    """The form Trustpilot's startDateTime/endDateTime take (UTC, no zone)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ParseError(f"{key} should be text, got {type(value).__name__}")


def _mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ParseError(f"{key} should be an object, got {type(value).__name__}")
    return value


def _required_id(data: Mapping[str, Any], key: str = "id") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ParseError(f"missing {key}")
    return value.strip()


def parse_review(data: object) -> ReviewData:
    if not isinstance(data, Mapping):
        raise ParseError(f"a review should be an object, got {type(data).__name__}")
    review_id = _required_id(data)
    stars = data.get("stars")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ParseError(f"review {review_id}: stars should be 1 to 5, got {stars!r}")
    created_at = parse_datetime(data.get("createdAt"))
    if created_at is None:
        raise ParseError(f"review {review_id}: missing createdAt")
    consumer = _mapping(data, "consumer")
    business_unit = _mapping(data, "businessUnit")
    return ReviewData(
        id=review_id,
        business_unit_id=_text(business_unit, "id"),
        stars=stars,
        title=_text(data, "title"),
        text=_text(data, "text"),
        language=_text(data, "language")[:16],
        created_at=created_at,
        updated_at=parse_datetime(data.get("updatedAt")),
        consumer_id=_text(consumer, "id"),
        consumer_name=_text(consumer, "displayName") or _text(consumer, "name"),
        reference_id=_text(data, "referenceId"),
        referral_email=_text(data, "referralEmail"),
        is_verified=data.get("isVerified") is True,
        company_reply=_parse_company_reply(_mapping(data, "companyReply")),
        raw=data,
    )


def _parse_company_reply(data: Mapping[str, Any]) -> CompanyReply | None:
    text = _text(data, "text")
    if not text:
        return None
    return CompanyReply(
        text=text,
        created_at=parse_datetime(data.get("createdAt")),
        updated_at=parse_datetime(data.get("updatedAt")),
        author_business_user_id=_text(data, "authorBusinessUserId"),
    )


def parse_token_set(data: object, *, now: datetime) -> TokenSet:
    """Token answers carry numbers as strings (`"expires_in": "359999"`)."""
    if not isinstance(data, Mapping):
        raise ParseError("the token answer is not an object")
    access_token = data.get("access_token")
    if not isinstance(access_token, str) or not access_token:
        raise ParseError("the token answer has no access_token")
    refresh_token = data.get("refresh_token")
    expires_in = _seconds(data.get("expires_in"), "expires_in")
    refresh_expires_in = data.get("refresh_token_expires_in")
    return TokenSet(
        access_token=access_token,
        refresh_token=refresh_token if isinstance(refresh_token, str) else "",
        access_expires_at=now + timedelta(seconds=DOCUMENTED_ACCESS_LIFETIME if expires_in is None else expires_in),
        refresh_expires_at=(
            now + timedelta(seconds=_seconds(refresh_expires_in, "refresh_token_expires_in") or 0)
            if refresh_expires_in not in (None, "")
            else None
        ),
        app_enduser=_optional_text(data.get("app_enduser")),
    )


def _optional_text(value: object) -> str:
    """A field whose meaning is unconfirmed: read when it is text, and never a reason to refuse the answer."""
    return value.strip() if isinstance(value, str) else ""


def _seconds(value: object, key: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise ParseError(f"{key} should be a number of seconds, got {value!r}") from None


def parse_business_user(data: object) -> BusinessUser:
    user = _mapping(data, "businessUser") if isinstance(data, Mapping) else {}
    return BusinessUser(id=_required_id(user), name=_text(user, "name"), email=_text(user, "email"))


def parse_business_unit(data: object) -> BusinessUnit:
    if not isinstance(data, Mapping):
        raise ParseError("a business unit should be an object")
    name = data.get("name")
    identifying = _text(name, "identifying") if isinstance(name, Mapping) else str(name or "")
    return BusinessUnit(id=_required_id(data), name=identifying, display_name=_text(data, "displayName") or identifying)
