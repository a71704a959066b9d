"""Answer Zendesk's pull from the database only: the next resources after the cursor, at most 200."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import BigIntegerField, BooleanField, ExpressionWrapper, F, Func, Q, QuerySet
from django.utils import timezone

from integrations import protocol
from integrations.models import ChannelInstance, ReviewTicketLink, TicketNote
from reviews.models import Reply, ReviewEdit

# Zendesk's docs allow 200 resources a pull, its schema 256: the stricter wins (docs/zendesk.md §3.2). A pull
# costs six queries at most (the instance with its account, the resources, one each for edits, direct replies
# and notes among them, the delivery stamp), one when nothing follows the cursor.
PULL_LIMIT = 200


@dataclass(slots=True)
class DomainRow:
    name: str
    display_name: str
    business_unit_id: str


@dataclass(slots=True)
class ReviewRow:
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
    domain: DomainRow


@dataclass(slots=True)
class EditRow:
    pk: int
    stars_before: int
    stars: int
    title_before: str
    title: str
    text_before: str
    text: str
    edited_at: datetime | None
    detected_at: datetime


@dataclass(slots=True)
class ReplyRow:
    pk: int
    message: str
    sent_at: datetime | None
    created_at: datetime


@dataclass(slots=True)
class NoteRow:
    pk: int
    text: str
    created_at: datetime


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970 UTC: an integer the driver reads natively, where reading a
    timestamp costs pull more than building its resource. Resources show review times to the second."""

    output_field = BigIntegerField()
    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django keeps SQLite timestamps as UTC text, which strftime reads as UTC; cut at the seconds, as
        # strftime would round .9995 up to the next one.
        template = "CAST(STRFTIME('%%%%s', SUBSTR(%(expressions)s, 1, 19)) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template)


# Plain rows rather than model instances: pull is the hot path, and building three models per resource
# (and decoding each review's raw Trustpilot JSON) cost more than everything else in it. For the same reason
# the review's time comes as epoch seconds and the delivery stamp as "not delivered yet", not as timestamps.
REVIEW = ("trustpilot_id", "stars", "title", "text", "language", "reviewer_id", "reviewer_name", "reference_id",
          "is_verified")  # fmt: skip
DOMAIN = ("name", "display_name", "business_unit_id")
EDIT = ("id", "stars_before", "stars", "title_before", "title", "text_before", "text", "edited_at", "detected_at")
REPLY = ("id", "message", "sent_at", "created_at")
NOTE = ("id", "text", "created_at")
COLUMNS = (
    "id", "kind", "sequence", "undelivered", "edit_id", "reply_id", "note_id", "review_created",
    *(f"review__{name}" for name in REVIEW), *(f"review__domain__{name}" for name in DOMAIN),
)  # fmt: skip
FIRST_REVIEW_COLUMN = 8


@dataclass(frozen=True)
class PullAnswer:
    resources: list[dict[str, Any]]
    cursor: int


def cursor_from_state(state: str) -> int:
    """The state TrustDesk sent last time ("" on the first pull). Anything else is Zendesk's mistake or a forgery."""
    text = state.strip()
    if not text:
        return 0
    if not text.isdigit() or len(text) > 18:
        raise ValueError(f"state {state[:40]!r} is not a cursor TrustDesk wrote")
    return int(text)


def pull_query(*, instance: ChannelInstance, cursor: int) -> QuerySet[ReviewTicketLink, tuple[Any, ...]]:
    """The one query of a pull's resources: a range of the link_pull_queue index, joined to at most 200 reviews."""
    # Pushed resources are in Zendesk already: only pull sends the rest.
    return (
        ReviewTicketLink.objects.filter(instance=instance, sequence__gt=cursor, pushed_at__isnull=True)
        .annotate(
            undelivered=ExpressionWrapper(Q(first_delivered_at__isnull=True), output_field=BooleanField()),
            review_created=EpochSeconds(F("review__created_at_trustpilot")),
        )
        .order_by("sequence")
        .values_list(*COLUMNS)[:PULL_LIMIT]
    )


def pull_next(*, instance: ChannelInstance, cursor: int) -> PullAnswer:
    if cursor >= instance.last_sequence:
        # Nothing is numbered after the cursor: the outbox numbers links and raises last_sequence in one
        # transaction, so one committed after the instance was read waits for the next pull, cursor unmoved.
        # Most pulls are these, and they need no query of their own.
        return PullAnswer(resources=[], cursor=cursor)
    rows = list(pull_query(instance=instance, cursor=cursor))
    if not rows:
        return PullAnswer(resources=[], cursor=cursor)
    # Edits and direct replies are few: their details come in one query each, only when the page has some.
    edits = _details(ReviewEdit, EDIT, EditRow, [row[4] for row in rows if row[4]])
    replies = _details(Reply, REPLY, ReplyRow, [row[5] for row in rows if row[5]])
    notes = _details(TicketNote, NOTE, NoteRow, [row[6] for row in rows if row[6]])
    account, template = instance.zendesk_account, settings.TRUSTPILOT_REVIEW_URL
    resources = []
    first, domain_first = FIRST_REVIEW_COLUMN, FIRST_REVIEW_COLUMN + len(REVIEW)
    from_epoch = datetime.fromtimestamp
    for row in rows:
        review = ReviewRow(
            *row[first:domain_first],  # type: ignore[misc]
            created_at_trustpilot=from_epoch(row[7], UTC),
            domain=DomainRow(*row[domain_first:]),
        )
        if row[1] == ReviewTicketLink.Kind.REVIEW_UPDATE and row[4] in edits:
            resources.append(protocol.edit_resource(edits[row[4]], review))
        elif row[1] == ReviewTicketLink.Kind.REPLY and row[5] in replies:
            resources.append(protocol.direct_reply_resource(replies[row[5]], review))
        elif row[1] == ReviewTicketLink.Kind.NOTE and row[6] in notes:
            resources.append(protocol.note_resource(notes[row[6]], review))
        else:
            resources.append(protocol.review_resource(review, account, review_url_template=template))
    if any(row[3] for row in rows):
        # The answer's range of the queue, not its 200 ids: what else it holds was pushed, stamped already.
        ReviewTicketLink.objects.filter(
            instance=instance, sequence__gt=cursor, sequence__lte=rows[-1][2], first_delivered_at__isnull=True
        ).update(first_delivered_at=timezone.now())
    return PullAnswer(resources=resources, cursor=rows[-1][2] or cursor)


def _details(model: Any, columns: tuple[str, ...], row_type: Any, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {values[0]: row_type(*values) for values in model.objects.filter(pk__in=ids).values_list(*columns)}


def resource_for(link: ReviewTicketLink, instance: ChannelInstance) -> dict[str, Any]:
    if link.kind == ReviewTicketLink.Kind.REVIEW_UPDATE and link.edit is not None:
        return protocol.edit_resource(link.edit, link.review)
    if link.kind == ReviewTicketLink.Kind.REPLY and link.reply is not None:
        return protocol.direct_reply_resource(link.reply, link.review)
    if link.kind == ReviewTicketLink.Kind.NOTE and link.note is not None:
        return protocol.note_resource(link.note, link.review)
    return protocol.review_resource(link.review, instance.zendesk_account)
