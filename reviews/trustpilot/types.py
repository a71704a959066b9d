"""Parsed Trustpilot objects. The client returns these, never raw responses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TokenSet:
    # Kept out of repr, so a log line, a traceback's locals or a failed assertion never shows a token.
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    # Apigee's end-user id; one provider reads it as the business user's id. Its meaning is [UNCONFIRMED]
    # (docs/trustpilot.md §2.3), so it only names the user when /v1/private/me cannot.
    app_enduser: str = field(default="", repr=False)


@dataclass(frozen=True)
class BusinessUser:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class BusinessUnit:
    id: str
    name: str  # the identifying name, e.g. example.com; "" when a listing left it out
    display_name: str


@dataclass(frozen=True)
class CompanyReply:
    text: str
    created_at: datetime | None
    updated_at: datetime | None
    author_business_user_id: str

    @property
    def changed_at(self) -> datetime | None:
        return self.updated_at or self.created_at


@dataclass(frozen=True)
class ReviewData:
    id: str
    business_unit_id: str
    stars: int
    title: str
    text: str
    language: str
    created_at: datetime
    updated_at: datetime | None
    consumer_id: str
    consumer_name: str
    reference_id: str
    referral_email: str
    is_verified: bool
    company_reply: CompanyReply | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class ReviewPage:
    """One page of reviews. `skipped` holds a reason for each item that could not be parsed."""

    page: int
    per_page: int
    reviews: list[ReviewData]
    item_count: int
    skipped: list[str] = field(default_factory=list)

    @property
    def is_last(self) -> bool:
        # Trustpilot's next-page links are unconfirmed; a short page is the reliable end marker.
        return self.item_count < self.per_page
