"""Buttons that admin mixins add next to "History" on a change page, and the object such a button acts on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest

CHANGE_FORM_TEMPLATE = "admin/trustdesk/change_form.html"


@dataclass(frozen=True)
class ObjectTool:
    label: str
    url: str


def with_tool(extra_context: dict[str, Any] | None, tool: ObjectTool) -> dict[str, Any]:
    """The context with `tool` added; several mixins may each add theirs."""
    context = dict(extra_context or {})
    context["trustdesk_tools"] = [*context.get("trustdesk_tools", []), tool]
    return context


def tool_target(
    model_admin: admin.ModelAdmin,  # type: ignore[type-arg]
    request: HttpRequest,
    object_id: str,
    allowed: Callable[[HttpRequest, Model], bool],
) -> Model:
    """The object of a button's page: 404 when unknown, 403 when the user may not act on it."""
    obj: Model | None = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404(f"No {model_admin.model._meta.verbose_name} with id {object_id!r}")
    if not allowed(request, obj):
        raise PermissionDenied
    return obj
