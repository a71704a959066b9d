"""Buttons that admin mixins add next to "History" on a change page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
