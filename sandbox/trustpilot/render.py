"""Sandbox models as Trustpilot JSON.

Trustpilot writes timestamps three ways (docs/trustpilot.md §4.3): `…T13:37:00.000Z`, `…T13:37:00Z` and
`…T13:37:00` with no zone. The sandbox uses all three on purpose, so the client must cope.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import JsonResponse

from sandbox.trustpilot.models import BusinessUnit, BusinessUser, Review
from sandbox.trustpilot.oauth import IssuedTokens

JsonObject = dict[str, Any]


def json_response(data: JsonObject, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def with_millis(value: datetime) -> str:
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


def with_zone(value: datetime | None) -> str | None:
    return None if value is None else f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def without_zone(value: datetime | None) -> str | None:
    return None if value is None else f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"


def business_user(user: BusinessUser) -> JsonObject:
    return {"businessUser": {"id": user.id, "name": user.name, "email": user.email}}


def business_unit(unit: BusinessUnit, *, number_of_reviews: int | None = None) -> JsonObject:
    data: JsonObject = {
        "id": unit.id,
        "displayName": unit.display_name,
        "name": {"identifying": unit.identifying_name, "referring": []},
        "websiteUrl": unit.website_url,
        "country": unit.country,
        "status": "active",
    }
    if number_of_reviews is not None:
        data["numberOfReviews"] = {"total": number_of_reviews}
    return data


def review(item: Review, *, href: Callable[[str], str], reformat_reply: bool = False) -> JsonObject:
    """`item` needs business_unit and reply_author loaded (select_related), or each review costs queries."""
    unit = item.business_unit
    return {
        "id": item.id,
        "stars": item.stars,
        "title": item.title,
        "text": item.text,
        "language": item.language,
        "createdAt": with_millis(item.created_at),
        "updatedAt": with_zone(item.updated_at),
        "experiencedAt": with_millis(item.created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
        "consumer": {
            "id": item.consumer_id,
            "displayName": item.consumer_name,
            "displayLocation": item.consumer_location or None,
            "numberOfReviews": item.consumer_review_count,
        },
        "businessUnit": {"id": unit.id, "identifyingName": unit.identifying_name, "displayName": unit.display_name},
        "location": None,
        "referenceId": item.reference_id or None,
        "referralEmail": item.referral_email or None,
        "source": item.source,
        "isVerified": item.is_verified,
        "status": item.status or None,
        "reportData": item.report_data,
        "companyReply": company_reply(item, reformat=reformat_reply),
        "tags": [],
        "links": [{"href": href(item.id), "method": "GET", "rel": "reviews"}],
    }


def company_reply(item: Review, *, reformat: bool = False) -> JsonObject | None:
    if not item.has_reply:
        return None
    author = item.reply_author
    return {
        "text": reformatted(item.reply_text) if reformat else item.reply_text,
        "authorBusinessUserId": author.id if author else None,
        "authorBusinessUserName": author.name if author else None,
        "createdAt": without_zone(item.reply_created_at),
        "updatedAt": without_zone(item.reply_updated_at),
    }


def reformatted(text: str) -> str:
    """The reply as Trustpilot might read it back [UNCONFIRMED] (docs/trustpilot.md §5.5): HTML paragraphs and line
    breaks, escaped characters, Windows line ends and stray spaces. The words stay the same."""
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    lines = [
        "<br />\r\n".join(html.escape(line.strip(), quote=False) for line in part.split("\n")) for part in paragraphs
    ]
    return " " + "\r\n".join(f"<p>{line}  </p>" for line in lines) + "\n"


def tokens(issued: IssuedTokens, *, app_enduser: bool = True) -> dict[str, str]:
    """Every value is a string, as Trustpilot sends them (docs/trustpilot.md §2.3).

    app_enduser carries the business user's id, as one provider reads it; its meaning is unconfirmed,
    so Faults.send_app_enduser can leave it out.
    """
    access, refresh = issued.access, issued.refresh
    extra = {"app_enduser": access.user_id} if app_enduser else {}
    return {
        "access_token": access.value,
        "refresh_token": refresh.value,
        "expires_in": str(_seconds_between(access.issued_at, access.expires_at)),
        "issued_at": str(int(access.issued_at.timestamp())),
        "token_type": "BearerToken",
        "refresh_token_issued_at": str(int(refresh.issued_at.timestamp())),
        "refresh_token_expires_in": str(_seconds_between(refresh.issued_at, refresh.expires_at)),
        "refresh_token_status": "approved",
        **extra,
    }


def _seconds_between(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds())
