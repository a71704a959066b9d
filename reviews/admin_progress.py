"""Sync runs' progress in the admin: a bar while a run is queued or running, pages that refresh until it ends,
and cancelling a backfill."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html

from reviews.models import Domain, SyncRun
from reviews.services.runs import ACTIVE, backfills_cancel
from trustdesk import permissions

# Pages showing a queued or running run reload this often; a plain meta refresh needs no script.
REFRESH_SECONDS = 5


def is_active(run: SyncRun) -> bool:
    return run.status in ACTIVE


def progress_bar(run: SyncRun) -> str:
    if not is_active(run):
        return f"{run.progress_percent}%"
    return format_html('<progress max="100" value="{p}">{p}%</progress> {p}%', p=run.progress_percent)


def progress_summary(run: SyncRun) -> str:
    return format_html(
        '<div class="sync-progress">{} <span>{} pages fetched · {} reviews found · {} new tickets queued for '
        "Zendesk · {} errors</span></div>",
        progress_bar(run),
        run.pages_fetched,
        run.reviews_seen,
        run.tickets_queued,
        run.reviews_skipped,
    )


class SyncRunProgressMixin(admin.ModelAdmin):  # type: ignore[type-arg]
    @admin.display(description="Progress")
    def progress(self, obj: SyncRun) -> str:
        return progress_bar(obj)

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return permissions.can_start_sync(request.user, Domain)

    @admin.action(description="Cancel selected syncs of unanswered reviews", permissions=["cancel"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[SyncRun]) -> None:
        by = request.user.get_username() or str(request.user)
        cancelled = backfills_cancel(runs=queryset, reason=f"Cancelled by {by}")
        skipped = queryset.count() - cancelled
        self.message_user(request, f"Cancelled {cancelled} sync(s); they stop at their next page.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} run(s) left alone: only queued or running syncs can be cancelled.", messages.INFO
            )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = response.context_data if isinstance(response, TemplateResponse) else None
        if context and "cl" in context and any(is_active(run) for run in context["cl"].result_list):
            context["auto_refresh"] = REFRESH_SECONDS
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        run = self.get_object(request, unquote(object_id))
        if run is not None:
            extra_context = {**(extra_context or {}), "progress": progress_summary(run)}
            if is_active(run):
                extra_context["auto_refresh"] = REFRESH_SECONDS
        return super().change_view(request, object_id, form_url, extra_context)
