"""Ticket comments: an agent's reply lands on a ticket through PUT /tickets/{id}, as in Zendesk."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.html import linebreaks

from sandbox.zendesk.errors import bad_request, invalid, not_found
from sandbox.zendesk.models import SandboxComment, SandboxTicket, SandboxUser, SandboxZendesk


def ticket_comments(zendesk: SandboxZendesk, *, ticket_id: int, newest_first: bool) -> QuerySet[SandboxComment]:
    ticket = SandboxTicket.objects.filter(account=zendesk, zendesk_id=ticket_id).first()
    if ticket is None:
        raise not_found()
    order = ["-created_at", "-id"] if newest_first else ["created_at", "id"]
    return ticket.comments.order_by(*order)


@transaction.atomic
def ticket_comment_add(zendesk: SandboxZendesk, *, ticket_id: int, body: Any, api_user: str) -> SandboxComment:
    """Add the comment of `{"ticket": {"comment": {...}}}`, creating the ticket the first time it is used.

    Without an author_id the comment is the API user's, as Zendesk attributes it to the caller.
    """
    comment = _comment_of(body)
    text = comment.get("body")
    if not isinstance(text, str) or not text.strip():
        raise invalid("comment", "comment body must be a non-empty string")
    public = comment.get("public", True)
    if not isinstance(public, bool):
        raise invalid("public", "public must be true or false")
    author_id = _author_id(zendesk, comment.get("author_id"), api_user=api_user)
    ticket, _ = SandboxTicket.objects.get_or_create(account=zendesk, zendesk_id=ticket_id)
    added = SandboxComment.objects.create(
        ticket=ticket, author_id=author_id, body=text, html_body=_html(text), public=public
    )
    ticket.save(update_fields=["updated_at"])
    return added


def _comment_of(body: Any) -> dict[str, Any]:
    ticket = body.get("ticket") if isinstance(body, dict) else None
    if not isinstance(ticket, dict):
        raise bad_request('The request body must be {"ticket": {...}}')
    comment = ticket.get("comment")
    if not isinstance(comment, dict):
        raise invalid("comment", "ticket.comment must be an object")
    return comment


def _author_id(zendesk: SandboxZendesk, value: Any, *, api_user: str) -> int:
    users = SandboxUser.objects.filter(account=zendesk)
    if value is None:
        caller = users.filter(email__iexact=api_user).first()
        if caller is None:
            raise invalid("author_id", "author_id is required: the API user is not a user of this account")
        return caller.zendesk_id
    if isinstance(value, bool) or not isinstance(value, int) or not users.filter(zendesk_id=value).exists():
        raise invalid("author_id", f"{value!r} is not the id of a user in this account")
    return value


def _html(text: str) -> str:
    return f'<div class="zd-comment" dir="auto">{linebreaks(text, autoescape=True)}</div>'
