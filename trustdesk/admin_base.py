"""Admin building blocks shared by both apps."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

admin.site.site_header = "TrustDesk"
admin.site.site_title = "TrustDesk"
admin.site.index_title = "Trustpilot reviews in Zendesk"


class RecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A record TrustDesk writes itself (reviews, replies, links, runs, events): viewed, never typed in.

    Deleting stays under Django's delete permission, which support managers do not hold.
    """

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecordInline(admin.TabularInline):  # type: ignore[type-arg]
    """Records listed on their parent's page: shown, never added or removed there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def pretty_json(value: Any) -> str:
    return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


def shorten(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
