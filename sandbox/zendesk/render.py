"""Sandbox models as Zendesk JSON (timestamps as Zendesk writes them: `2024-01-31T13:37:00Z`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, JsonResponse

from sandbox.zendesk.models import (
    SandboxComment,
    SandboxGroup,
    SandboxGroupMembership,
    SandboxInstallation,
    SandboxRole,
    SandboxTicket,
    SandboxUser,
    SandboxZendesk,
)
from sandbox.zendesk.tickets import TicketChange

JsonObject = dict[str, Any]


def json_response(data: JsonObject, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def timestamp(value: datetime) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def custom_role(role: SandboxRole, *, team_member_count: int) -> JsonObject:
    return {
        "id": role.zendesk_id,
        "name": role.name,
        "description": role.description,
        "role_type": role.role_type,
        "team_member_count": team_member_count,
        "created_at": timestamp(role.created_at),
        "updated_at": timestamp(role.updated_at),
    }


def group(item: SandboxGroup, *, request: HttpRequest) -> JsonObject:
    return {
        "id": item.zendesk_id,
        "name": item.name,
        "description": item.description,
        "default": item.is_default,
        "deleted": item.deleted,
        "is_public": item.is_public,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "url": _api_url(request, f"groups/{item.zendesk_id}.json"),
    }


def user(item: SandboxUser, *, zendesk: SandboxZendesk, default_group_id: int | None) -> JsonObject:
    # Custom roles exist on Enterprise plans only; elsewhere Zendesk has no custom_role_id to give.
    role_id = item.custom_role.zendesk_id if item.custom_role and zendesk.has_custom_roles else None
    return {
        "id": item.zendesk_id,
        "name": item.name,
        "email": item.email,
        "role": item.role,
        "custom_role_id": role_id,
        "default_group_id": default_group_id,
        "active": item.active,
    }


def group_membership(item: SandboxGroupMembership) -> JsonObject:
    return {
        "id": item.zendesk_id,
        "user_id": item.user.zendesk_id,
        "group_id": item.group.zendesk_id,
        "default": item.is_default,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def installation(item: SandboxInstallation, *, off_as_empty: bool = False) -> JsonObject:
    """A restriction that is off shows as null, or as [] with SandboxZendesk.unused_restrictions_empty."""
    off: list[int] | None = [] if off_as_empty else None
    return {
        "id": item.zendesk_id,
        "app_id": item.app_id,
        "product": "support",
        "settings": item.settings,
        "enabled": item.enabled,
        "role_restrictions": off if item.role_restrictions is None else item.role_restrictions,
        "group_restrictions": off if item.group_restrictions is None else item.group_restrictions,
        "updated_at": timestamp(item.updated_at),
    }


def comment(item: SandboxComment) -> JsonObject:
    return {
        "id": item.pk,
        "type": "Comment",
        "author_id": item.author_id,
        "body": item.body,
        "html_body": item.html_body,
        "plain_body": item.body,
        "public": item.public,
        "created_at": timestamp(item.created_at),
    }


def ticket(item: SandboxTicket, *, description: str, request: HttpRequest) -> JsonObject:
    return {
        "id": item.zendesk_id,
        "url": _api_url(request, f"tickets/{item.zendesk_id}.json"),
        "external_id": None,
        "subject": item.subject,
        "raw_subject": item.subject,
        "description": description,
        "status": item.status,
        "requester_id": item.requester_id,
        "assignee_id": None,
        "group_id": None,
        "tags": [],
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def ticket_change(change: TicketChange, *, description: str, request: HttpRequest) -> JsonObject:
    """What POST /tickets and PUT /tickets/{id} answer: the ticket and the audit of the change, whose events are
    the comment it added, then each field it set ("Create" events for a new ticket, else "Change")."""
    events: list[JsonObject] = []
    if change.comment is not None:
        events.append({key: value for key, value in comment(change.comment).items() if key != "created_at"})
    for name, previous, value in change.fields:
        event: JsonObject = {"type": "Create" if change.created else "Change", "field_name": name}
        event["value"] = None if value is None else str(value)
        if not change.created:
            event["previous_value"] = None if previous is None else str(previous)
        events.append(event)
    return {
        "ticket": ticket(change.ticket, description=description, request=request),
        "audit": {
            "id": change.audit.pk,
            "ticket_id": change.ticket.zendesk_id,
            "author_id": change.audit.author_id,
            "created_at": timestamp(change.audit.created_at),
            "events": events,
        },
    }


def _api_url(request: HttpRequest, path: str) -> str:
    """An absolute URL under the subdomain's /api/v2/, as the caller reached it."""
    prefix, _, _ = request.path.partition("/api/v2/")
    return request.build_absolute_uri(f"{prefix}/api/v2/{path}")
