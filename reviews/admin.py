from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _

from reviews.admin_filters import DomainAccessFilter
from reviews.admin_progress import SyncRunProgressMixin
from reviews.admin_sync import SyncAdminMixin
from reviews.models import Domain, RateBudgetWindow, Reply, Review, ReviewEdit, SyncRun, TrustpilotAccount
from reviews.services import polling
from trustdesk.admin_base import RecordAdmin, RecordInline, pretty_json, shorten


@admin.register(Domain)
class DomainAdmin(SyncAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    actions = ("sync_unanswered",)
    list_display = ("name", "display_name", "account", "enabled", "last_successful_poll_at", "error")
    list_filter = ("enabled", DomainAccessFilter, "account")
    list_select_related = ("account",)
    search_fields = ("name", "display_name", "business_unit_id")
    fields = (
        "name",
        "display_name",
        "business_unit_id",
        "account",
        "enabled",
        "poll_watermark",
        "last_polled_at",
        "last_successful_poll_at",
        "next_poll_at",
        "last_webhook_at",
        "last_error",
        "access_denied_at",
        "access_denied_reason",
        "created_at",
        "updated_at",
    )
    readonly_fields = tuple(f for f in fields if f not in ("display_name", "enabled"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # domains are picked from the connected Trustpilot account

    def get_list_display(self, request: HttpRequest) -> tuple[str | Callable[[Any], str | bool], ...]:
        """The list with each domain's poll interval, from one plan computed for the whole page."""
        now = timezone.now()
        plan = polling.current_plan(now=now)

        @admin.display(description=_("Polled every"))
        def poll_interval(obj: Domain) -> str:
            connected = obj.account is not None and obj.account.status == TrustpilotAccount.Status.CONNECTED
            if not (obj.enabled and obj.access_denied_at is None and connected):
                return "—"
            rows = [(obj.pk, obj.poll_watermark, obj.last_webhook_at)]
            seconds = polling.effective_intervals(plan, rows, now=now)[obj.pk]
            start = datetime(2000, 1, 1)
            return timeuntil(start + timedelta(seconds=seconds), start)

        return (*self.list_display, poll_interval)

    @admin.display(description="Last error")
    def error(self, obj: Domain) -> str:
        return shorten(obj.last_error, 60)


class ReplyInline(RecordInline):
    model = Reply
    fields = ("created_at", "origin", "status", "message", "sent_at", "last_error")
    readonly_fields = fields
    show_change_link = True


class ReviewEditInline(RecordInline):
    model = ReviewEdit
    fields = ("detected_at", "edited_at", "stars_before", "stars", "title_before", "title", "text")
    readonly_fields = fields


@admin.register(Review)
class ReviewAdmin(RecordAdmin):
    list_display = (
        "trustpilot_id",
        "domain",
        "stars",
        "short_title",
        "reviewer_name",
        "language",
        "created_at_trustpilot",
        "replied",
    )
    list_filter = ("domain", "stars", "language", "is_verified")
    list_select_related = ("domain",)
    search_fields = ("trustpilot_id", "title", "text", "reviewer_name", "reference_id", "reviewer_email")
    date_hierarchy = "created_at_trustpilot"
    exclude = ("raw",)
    readonly_fields = ("raw_json",)
    inlines = (ReviewEditInline, ReplyInline)

    @admin.display(description="Title")
    def short_title(self, obj: Review) -> str:
        return shorten(obj.title or obj.text, 60)

    @admin.display(boolean=True, description="Replied")
    def replied(self, obj: Review) -> bool:
        return obj.has_reply

    @admin.display(description="As Trustpilot sent it")
    def raw_json(self, obj: Review) -> str:
        return pretty_json(obj.raw)


@admin.register(Reply)
class ReplyAdmin(RecordAdmin):
    list_display = ("review", "origin", "status", "attempts", "short_message", "created_at", "sent_at")
    list_filter = ("status", "origin")
    list_select_related = ("review",)
    search_fields = ("message", "review__trustpilot_id", "zendesk_request_id")

    @admin.display(description="Message")
    def short_message(self, obj: Reply) -> str:
        return shorten(obj.message, 60)


@admin.register(SyncRun)
class SyncRunAdmin(SyncRunProgressMixin, RecordAdmin):
    actions = ("cancel_selected",)
    list_display = (
        "domain",
        "kind",
        "status",
        "period_start",
        "period_end",
        "pages_fetched",
        "reviews_seen",
        "reviews_new",
        "reviews_skipped",
        "tickets_queued",
        "progress",
        "created_at",
        "finished_at",
    )
    list_filter = ("kind", "status", "domain")
    list_select_related = ("domain",)
    search_fields = ("domain__name", "error", "requested_by")


@admin.register(RateBudgetWindow)
class RateBudgetWindowAdmin(RecordAdmin):
    """How much of the Trustpilot call budget each time window used: for operators."""

    list_display = ("window_seconds", "window_index", "count", "key")
    list_filter = ("window_seconds",)
