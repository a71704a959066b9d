"""What TrustDesk sends Zendesk: external ids and external resources (docs/zendesk.md §3.3).

External ids are derived from Trustpilot's ids and TrustDesk's own row ids, so they are stable: the
same review always has the same id, and Zendesk never imports it twice (it dedupes by external_id).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape
from typing import Any, Protocol

from reviews.trustpilot.links import public_review_url


class DomainLike(Protocol):
    name: str
    display_name: str
    business_unit_id: str


class ReviewLike(Protocol):
    """A Review, or the few columns of one that pull reads (see services/pull.py)."""

    trustpilot_id: str
    stars: int
    title: str
    text: str
    language: str
    reviewer_id: str
    reviewer_name: str
    reference_id: str
    is_verified: bool
    created_at_trustpilot: datetime

    @property
    def domain(self) -> DomainLike: ...


class EditLike(Protocol):
    pk: int
    stars_before: int
    stars: int
    title_before: str
    title: str
    text_before: str
    text: str
    edited_at: datetime | None
    detected_at: datetime


class ReplyLike(Protocol):
    pk: int
    message: str
    sent_at: datetime | None
    created_at: datetime


class NoteLike(Protocol):
    pk: int
    text: str
    created_at: datetime


class TicketFields(Protocol):
    """The Zendesk account's custom ticket field ids (ZendeskAccount)."""

    ticket_field_stars: int | None
    ticket_field_domain: int | None
    ticket_field_language: int | None
    ticket_field_review_url: int | None


MESSAGE_LIMIT = 65535
DISPLAY_INFO_TYPE = "urn:trustdesk:trustpilot-review"
EXTERNAL_ID = re.compile(r"^tp-(?:review|edit|reply)-(?P<review>[0-9A-Za-z]{1,64})(?:-\d+)?$")

# Trustpilot's review languages and the Zendesk locale each maps to; others are left to Zendesk.
ZENDESK_LOCALES = {
    "en": "en-US", "fr": "fr", "de": "de", "es": "es", "da": "da", "nl": "nl", "it": "it", "pt": "pt",
    "sv": "sv", "no": "no", "nb": "no", "fi": "fi", "pl": "pl", "ja": "ja", "cs": "cs", "ru": "ru",
}  # fmt: skip


def review_external_id(review: ReviewLike) -> str:
    return f"tp-review-{review.trustpilot_id}"


def edit_external_id(edit: EditLike, review: ReviewLike) -> str:
    return f"tp-edit-{review.trustpilot_id}-{edit.pk}"


def reply_external_id(reply: ReplyLike, review: ReviewLike) -> str:
    return f"tp-reply-{review.trustpilot_id}-{reply.pk}"


def note_external_id(note: NoteLike, review: ReviewLike) -> str:
    return f"tp-note-{review.trustpilot_id}-{note.pk}"


def thread_id(review: ReviewLike) -> str:
    return f"tp-thread-{review.trustpilot_id}"


def review_id_from_external_id(external_id: str) -> str | None:
    match = EXTERNAL_ID.match(external_id)
    return match.group("review") if match else None


def review_id_from_thread_id(value: str) -> str | None:
    prefix = "tp-thread-"
    return value[len(prefix) :] if value.startswith(prefix) else None


def paragraphs(text: str) -> str:
    """Plain text as escaped HTML paragraphs (html.escape: Django's lazy-aware helpers cost too much on pull)."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>" for block in blocks if block)


def stars_text(stars: int) -> str:
    return "★" * stars + "☆" * (5 - stars) + f" ({stars}/5)"


def iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def author(review: ReviewLike) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_id": f"tp-consumer-{review.reviewer_id or review.trustpilot_id}"[:255],
        "name": (review.reviewer_name or "Trustpilot reviewer")[:255],
    }
    locale = ZENDESK_LOCALES.get(review.language.split("-")[0].lower())
    if locale:
        data["locale"] = locale
    return data


def subject(review: ReviewLike) -> str:
    if review.title.strip():
        return review.title.strip()[:150]
    words = review.text.split()
    return (" ".join(words[:10]) + ("…" if len(words) > 10 else "")) or f"{review.stars}-star review"


def review_resource(
    review: ReviewLike, account: TicketFields, *, review_url_template: str | None = None
) -> dict[str, Any]:
    url = public_review_url(review.trustpilot_id, review_url_template)
    details = [f"{review.domain.name}", f"Reviewed {review.created_at_trustpilot.date().isoformat()}"]
    if review.reference_id:
        details.append(f"Reference {review.reference_id}")
    if review.is_verified:
        details.append("Verified")
    plain = "\n\n".join(
        part for part in (stars_text(review.stars), review.title, review.text, " · ".join(details)) if part
    )
    html = (
        f"<p><strong>{escape(stars_text(review.stars))}</strong></p>"
        + (f"<p><strong>{escape(review.title)}</strong></p>" if review.title else "")
        + paragraphs(review.text)
        + f"<p>{escape(' · '.join(details))}</p>"
    )
    fields: list[dict[str, Any]] = [{"id": "subject", "value": subject(review)}]
    for field_id, value in (
        (account.ticket_field_stars, str(review.stars)),
        (account.ticket_field_domain, review.domain.name),
        (account.ticket_field_language, review.language),
        (account.ticket_field_review_url, url),
    ):
        if field_id:
            fields.append({"id": str(field_id), "value": value})
    return {
        "external_id": review_external_id(review),
        "thread_id": thread_id(review),
        "message": plain[:MESSAGE_LIMIT],
        "html_message": html[:MESSAGE_LIMIT],
        "created_at": iso(review.created_at_trustpilot),
        "author": author(review),
        "fields": fields,
        "display_info": [
            {
                "type": DISPLAY_INFO_TYPE,
                "data": {
                    "stars": review.stars,
                    "domain": review.domain.name,
                    "language": review.language,
                    "verified": review.is_verified,
                    "reference_id": review.reference_id,
                    "review_url": url,
                },
            }
        ],
        "allow_channelback": True,
    }


def edit_resource(edit: EditLike, review: ReviewLike) -> dict[str, Any]:
    lines = ["The reviewer edited their review on Trustpilot."]
    if edit.stars != edit.stars_before:
        lines.append(f"Rating: {stars_text(edit.stars_before)} → {stars_text(edit.stars)}")
    if edit.title != edit.title_before:
        lines.append(f"Title: {edit.title}")
    if edit.text != edit.text_before:
        lines.append(edit.text)
    plain = "\n\n".join(lines)
    return {
        "external_id": edit_external_id(edit, review),
        "thread_id": thread_id(review),
        "message": plain[:MESSAGE_LIMIT],
        "html_message": paragraphs(plain)[:MESSAGE_LIMIT],
        "created_at": iso(edit.edited_at or edit.detected_at),
        "author": author(review),
        "allow_channelback": True,
    }


def direct_reply_resource(reply: ReplyLike, review: ReviewLike) -> dict[str, Any]:
    """A reply written in Trustpilot Business, shown to agents as an internal note so nobody overwrites it blindly."""
    plain = f"Reply published directly on Trustpilot (it is the one shown now):\n\n{reply.message}"
    return {
        "external_id": reply_external_id(reply, review),
        "thread_id": thread_id(review),
        "internal_note": True,
        "message": plain[:MESSAGE_LIMIT],
        "html_message": paragraphs(plain)[:MESSAGE_LIMIT],
        "created_at": iso(reply.sent_at or reply.created_at),
        "author": {
            "external_id": f"tp-company-{review.domain.business_unit_id}"[:255],
            "name": f"{review.domain.display_name or review.domain.name} on Trustpilot"[:255],
        },
        "allow_channelback": False,
    }


def note_resource(note: NoteLike, review: ReviewLike) -> dict[str, Any]:
    """An internal note from TrustDesk itself on the review's ticket: agents see it, the reviewer never does."""
    return {
        "external_id": note_external_id(note, review),
        "thread_id": thread_id(review),
        "internal_note": True,
        "message": note.text[:MESSAGE_LIMIT],
        "html_message": paragraphs(note.text)[:MESSAGE_LIMIT],
        "created_at": iso(note.created_at),
        "author": {"external_id": "trustdesk", "name": "TrustDesk"},
        "allow_channelback": False,
    }
