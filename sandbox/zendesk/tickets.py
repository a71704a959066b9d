"""Tickets as Zendesk's API changes them: created with POST /tickets, changed (a comment, a status, a subject)
with PUT /tickets/{id}, each change one audit. A ticket that does not exist answers 404: naming an id creates
nothing. An agent's reply lands on a ticket as a comment of such an update, as in Zendesk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.html import linebreaks

from sandbox.zendesk.errors import bad_request, invalid, not_found
from sandbox.zendesk.models import SandboxAudit, SandboxComment, SandboxTicket, SandboxUser, SandboxZendesk

Status = SandboxTicket.Status
# Zendesk solves a ticket only with an assignee, and sandbox tickets have none.
NEEDS_ASSIGNEE = (Status.SOLVED, Status.CLOSED)


@dataclass(frozen=True)
class TicketChange:
    """What one create or update did: the audit, the comment it added if any, and each field it set."""

    ticket: SandboxTicket
    audit: SandboxAudit
    comment: SandboxComment | None
    created: bool
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)  # (name, previous value, value)


def ticket_list(zendesk: SandboxZendesk) -> QuerySet[SandboxTicket]:
    return SandboxTicket.objects.filter(account=zendesk)


def ticket_get(zendesk: SandboxZendesk, *, ticket_id: int) -> SandboxTicket:
    ticket = SandboxTicket.objects.filter(account=zendesk, zendesk_id=ticket_id).first()
    if ticket is None:
        raise not_found()
    return ticket


def ticket_description(ticket: SandboxTicket) -> str:
    """The first comment's text, which Zendesk shows as the ticket's description."""
    return ticket.comments.order_by("id").values_list("body", flat=True).first() or ""


def ticket_comments(zendesk: SandboxZendesk, *, ticket_id: int) -> QuerySet[SandboxComment]:
    """A ticket's comments; their ids grow with time, so ordering by id is ordering by creation."""
    return ticket_get(zendesk, ticket_id=ticket_id).comments.all()


@transaction.atomic
def ticket_create(zendesk: SandboxZendesk, *, body: Any, api_user: str) -> TicketChange:
    """Create the ticket of `{"ticket": {"comment": {...}, "subject": ..., "requester_id": ...}}`, its id the
    account's next. The comment, its description, is required; without author_id it is the API user's, and
    without requester_id so is the ticket."""
    values = _ticket_of(body)
    comment = values.get("comment")
    if not isinstance(comment, dict):
        raise invalid("comment", "A ticket needs a comment: ticket.comment must be an object with a body")
    text, public = _comment_values(comment)
    author_id = _user_id(zendesk, "author_id", comment.get("author_id"), api_user=api_user)
    requester_id = _user_id(zendesk, "requester_id", values.get("requester_id"), api_user=api_user)
    subject = _subject(values.get("subject", ""))
    status = _status(values.get("status", Status.NEW))
    last = SandboxTicket.objects.select_for_update().filter(account=zendesk).aggregate(last=Max("zendesk_id"))
    ticket = SandboxTicket.objects.create(
        account=zendesk,
        zendesk_id=(last["last"] or 0) + 1,
        subject=subject,
        status=status,
        requester_id=requester_id,
    )
    audit = SandboxAudit.objects.create(ticket=ticket, author_id=author_id)
    added = _comment_add(ticket, author_id=author_id, text=text, public=public)
    fields = [("subject", None, subject), ("status", None, status), ("requester_id", None, requester_id)]
    return TicketChange(ticket=ticket, audit=audit, comment=added, created=True, fields=fields)


@transaction.atomic
def ticket_update(zendesk: SandboxZendesk, *, ticket_id: int, body: Any, api_user: str) -> TicketChange:
    """Apply `{"ticket": {"comment": {...}, "status": ..., "subject": ...}}` to a ticket that exists; other
    keys are left alone, as Zendesk drops what it does not take. Without author_id the comment is the API
    user's, as Zendesk attributes it to the caller."""
    ticket = SandboxTicket.objects.select_for_update().filter(account=zendesk, zendesk_id=ticket_id).first()
    if ticket is None:
        raise not_found()
    values = _ticket_of(body)
    comment = values.get("comment")
    if comment is not None and not isinstance(comment, dict):
        raise invalid("comment", "ticket.comment must be an object")
    text, public = _comment_values(comment) if comment is not None else ("", True)
    author_id = _user_id(zendesk, "author_id", (comment or {}).get("author_id"), api_user=api_user)
    changed: list[tuple[str, Any, Any]] = []
    if "status" in values:
        status = _status(values["status"])
        if status in NEEDS_ASSIGNEE:
            raise invalid("status", f"A ticket needs an assignee to be {status}, and sandbox tickets have none")
        changed.append(("status", ticket.status, status))
        ticket.status = status
    if "subject" in values:
        subject = _subject(values["subject"])
        changed.append(("subject", ticket.subject, subject))
        ticket.subject = subject
    changed = [change for change in changed if change[1] != change[2]]
    ticket.save(update_fields=["status", "subject", "updated_at"])
    audit = SandboxAudit.objects.create(ticket=ticket, author_id=author_id)
    added = _comment_add(ticket, author_id=author_id, text=text, public=public) if comment is not None else None
    return TicketChange(ticket=ticket, audit=audit, comment=added, created=False, fields=changed)


def _comment_add(ticket: SandboxTicket, *, author_id: int, text: str, public: bool) -> SandboxComment:
    return SandboxComment.objects.create(
        ticket=ticket, author_id=author_id, body=text, html_body=_html(text), public=public
    )


def _ticket_of(body: Any) -> dict[str, Any]:
    ticket = body.get("ticket") if isinstance(body, dict) else None
    if not isinstance(ticket, dict):
        raise bad_request('The request body must be {"ticket": {...}}')
    return ticket


def _comment_values(comment: dict[str, Any]) -> tuple[str, bool]:
    text = comment.get("body")
    if not isinstance(text, str) or not text.strip():
        raise invalid("comment", "comment body must be a non-empty string")
    public = comment.get("public", True)
    if not isinstance(public, bool):
        raise invalid("public", "public must be true or false")
    return text, public


def _status(value: Any) -> str:
    if value not in Status.values:
        raise invalid("status", f"status must be one of {', '.join(Status.values)}")
    return str(value)


def _subject(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 255:
        raise invalid("subject", "subject must be a string of at most 255 characters")
    return value


def _user_id(zendesk: SandboxZendesk, name: str, value: Any, *, api_user: str) -> int:
    """The id of a user of this account given as `name`, or the API user's when none is given."""
    users = SandboxUser.objects.filter(account=zendesk)
    if value is None:
        caller = users.filter(email__iexact=api_user).first()
        if caller is None:
            raise invalid(name, f"{name} is required: the API user is not a user of this account")
        return caller.zendesk_id
    if isinstance(value, bool) or not isinstance(value, int) or not users.filter(zendesk_id=value).exists():
        raise invalid(name, f"{value!r} is not the id of a user in this account")
    return value


def _html(text: str) -> str:
    return f'<div class="zd-comment" dir="auto">{linebreaks(text, autoescape=True)}</div>'
