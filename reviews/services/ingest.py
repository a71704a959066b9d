"""Store a page of reviews: new ones, edits, and replies made directly on Trustpilot, in bulk.

A page costs the same few queries whatever its size: one read of the reviews already stored, one
upsert, and at most one write each for edits, mirrored replies and status changes. The caller holds a transaction
with the domain's row locked, so two processes never ingest the same domain at once and a review
is never stored twice (the unique Trustpilot id backs that up).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reviews.models import Domain, Reply, Review, ReviewEdit
from reviews.services.privacy import scrubbed
from reviews.services.reply_match import SentReply, written_on_trustpilot
from reviews.services.review_status import status_changes_record
from reviews.trustpilot.moderation import review_status
from reviews.trustpilot.types import ReviewData

# Everything the upsert rewrites when Trustpilot's copy changed.
UPDATE_FIELDS = [
    "domain",
    "stars",
    "title",
    "text",
    "language",
    "reviewer_id",
    "reviewer_name",
    "reference_id",
    "reviewer_email",
    "is_verified",
    "created_at_trustpilot",
    "updated_at_trustpilot",
    "company_reply_text",
    "company_reply_at",
    "raw",
    "trustpilot_status",
    "updated_at",
]
COMPARED_FIELDS = [field for field in UPDATE_FIELDS if field not in ("domain", "raw", "updated_at")]


@dataclass(frozen=True)
class PageResult:
    seen: int
    new: int
    edited: int
    replies_mirrored: int
    newest_created_at: datetime | None
    review_ids: dict[str, int] = field(default_factory=dict)  # Trustpilot id -> Review pk, for the whole page
    new_review_ids: list[int] = field(default_factory=list)
    edit_ids: list[int] = field(default_factory=list)
    reply_ids: list[int] = field(default_factory=list)
    status_change_ids: list[int] = field(default_factory=list)


def reviews_upsert(*, domain: Domain, reviews: Sequence[ReviewData]) -> PageResult:
    incoming = {review.id: review for review in reviews}  # a page can repeat a review: the last copy wins
    stored = {
        review.trustpilot_id: review
        for review in Review.objects.filter(trustpilot_id__in=incoming).only(
            "id", "trustpilot_id", "personal_data_purged_at", *COMPARED_FIELDS
        )
    }
    rows, edits, changed_replies, status_changes = [], [], [], []
    for data in incoming.values():
        row = _review_row(domain, data)
        old = stored.get(data.id)
        if old is not None and old.personal_data_purged_at is not None:
            _forget_reviewer(row)
        if old is None or any(getattr(old, f) != getattr(row, f) for f in COMPARED_FIELDS):
            rows.append(row)
        if old is not None and (old.stars, old.title, old.text) != (row.stars, row.title, row.text):
            edits.append((old, data))
        if data.company_reply and (old is None or old.company_reply_text != data.company_reply.text):
            changed_replies.append(data)
        if old is not None and old.trustpilot_status != row.trustpilot_status:
            status_changes.append((old.pk, old.trustpilot_status, row.trustpilot_status))
    if rows:
        Review.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["trustpilot_id"], update_fields=UPDATE_FIELDS
        )
    ids = {row.trustpilot_id: row.pk for row in rows} | {key: old.pk for key, old in stored.items()}
    created_edits = ReviewEdit.objects.bulk_create(_edit(ids[data.id], old, data) for old, data in edits)
    mirrored = _mirror_direct_replies(domain, ids, changed_replies, stored=stored.keys())
    # A review first seen already not active is stored and told to nobody: it has no ticket to note on,
    # and the Zendesk side opens none for it (integrations.services.outbox).
    status_change_ids = status_changes_record(changes=status_changes)
    new_ids = [ids[key] for key in incoming.keys() - stored.keys()]
    return PageResult(
        seen=len(incoming),
        new=len(new_ids),
        edited=len(created_edits),
        replies_mirrored=len(mirrored),
        newest_created_at=max((data.created_at for data in incoming.values()), default=None),
        review_ids=ids,
        new_review_ids=sorted(new_ids),
        edit_ids=[edit.pk for edit in created_edits],
        reply_ids=[reply.pk for reply in mirrored],
        status_change_ids=status_change_ids,
    )


def _review_row(domain: Domain, data: ReviewData) -> Review:
    reply = data.company_reply
    return Review(
        trustpilot_id=data.id,
        domain=domain,
        stars=data.stars,
        title=data.title[:500],
        text=data.text,
        language=data.language,
        reviewer_id=data.consumer_id[:64],
        reviewer_name=data.consumer_name[:255],
        reference_id=data.reference_id[:255],
        reviewer_email=data.referral_email[:254],
        is_verified=data.is_verified,
        created_at_trustpilot=data.created_at,
        updated_at_trustpilot=data.updated_at,
        company_reply_text=reply.text if reply else "",
        company_reply_at=reply.changed_at if reply else None,
        raw=dict(data.raw),
        trustpilot_status=review_status(data.raw),
    )


def _forget_reviewer(row: Review) -> None:
    row.reviewer_name = row.reviewer_email = row.reference_id = ""
    row.raw = scrubbed(row.raw)


def _edit(review_pk: int, old: Review, data: ReviewData) -> ReviewEdit:
    return ReviewEdit(
        review_id=review_pk,
        stars_before=old.stars,
        stars=data.stars,
        title_before=old.title,
        title=data.title[:500],
        text_before=old.text,
        text=data.text,
        edited_at=data.updated_at,
    )


def _mirror_direct_replies(
    domain: Domain, ids: dict[str, int], changed: Sequence[ReviewData], *, stored: Collection[str]
) -> list[Reply]:
    """A company reply TrustDesk did not send was written in Trustpilot Business: record it, latest wins.

    Only reviews stored before this page can have replies already (`stored`: their Trustpilot ids), so a
    page of new reviews costs one insert here and no reads.
    """
    if not changed:
        return []
    sent: dict[int, list[SentReply]] = defaultdict(list)
    known = [ids[data.id] for data in changed if data.id in stored]
    for review_id, message, sent_at in (
        Reply.objects.filter(review_id__in=known, origin=Reply.Origin.ZENDESK)
        .exclude(status=Reply.Status.FAILED)
        .values_list("review_id", "message", "sent_at")
        if known
        else ()
    ):
        sent[review_id].append(SentReply(message, sent_at))
    author_id = domain.account.author_id if domain.account_id and domain.account else None
    direct = [
        data
        for data in changed
        if data.company_reply
        and written_on_trustpilot(data.company_reply, sent=sent[ids[data.id]], author_id=author_id)
    ]
    if not direct:
        return []
    review_pks = [ids[data.id] for data in direct if data.id in stored]
    # A reply still pending from Zendesk is left alone: when it is published it is the latest, and wins.
    if review_pks:
        Reply.objects.filter(review_id__in=review_pks, status=Reply.Status.SENT).update(status=Reply.Status.SUPERSEDED)
    return Reply.objects.bulk_create(
        Reply(
            review_id=ids[data.id],
            message=data.company_reply.text,
            origin=Reply.Origin.TRUSTPILOT,
            status=Reply.Status.SENT,
            sent_at=data.company_reply.changed_at,
        )
        for data in direct
        if data.company_reply
    )
