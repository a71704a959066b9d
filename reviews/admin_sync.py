""" "Sync unanswered reviews…" in the admin, for domains (integrations.admin_sync extends it to instances).

The changelist action and the change page's button lead to one form asking for the period. Starting
queues one backfill per domain; the task does the fetching.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from reviews.models import Domain
from reviews.services.backfills import BackfillInProgress, backfill_request
from reviews.services.sync import DomainNotPollable
from reviews.sync_period import SyncPeriodForm
from trustdesk import permissions
from trustdesk.admin_tools import CHANGE_FORM_TEMPLATE, ObjectTool, tool_target, with_tool

TEMPLATE = "admin/reviews/sync_period.html"


class SyncAdminMixin(admin.ModelAdmin):  # type: ignore[type-arg]
    change_form_template = CHANGE_FORM_TEMPLATE

    def sync_domains(self, obj: Any) -> tuple[list[Domain], str]:
        """The domains a sync of `obj` covers, or why it cannot be synced: here, the domain itself."""
        return [obj], ""

    def has_sync_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_start_sync(request.user, obj or self.model)

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        view = self.admin_site.admin_view(self.sync_view)
        return [
            path("<path:object_id>/sync/", view, name=f"{opts.app_label}_{opts.model_name}_sync"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if self.has_sync_permission(request):
            url = reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_sync", args=[object_id])
            extra_context = with_tool(extra_context, ObjectTool("Sync unanswered reviews", url))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Sync unanswered reviews…", permissions=["sync"])
    def sync_unanswered(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        objects = list(queryset)
        form = SyncPeriodForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            return self._start(request, objects, form) or None
        return self._form_page(request, objects, form, from_action=True)

    def sync_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = tool_target(self, request, object_id, self.has_sync_permission)
        form = SyncPeriodForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            opts = self.model._meta
            back = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            return self._start(request, [obj], form) or HttpResponseRedirect(back)
        return self._form_page(request, [obj], form, from_action=False)

    def _form_page(
        self, request: HttpRequest, objects: list[Any], form: SyncPeriodForm, *, from_action: bool
    ) -> TemplateResponse:
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": "Sync unanswered reviews",
            "opts": opts,
            "objects": objects,
            "form": form,
            "from_action": from_action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "single": None if from_action else objects[0],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, TEMPLATE, context)

    def _start(self, request: HttpRequest, objects: list[Any], form: SyncPeriodForm) -> HttpResponse | None:
        """Start a backfill per domain and say what happened; the page showing the runs, if any started."""
        since, by = form.since(), request.user.get_username() or str(request.user)
        runs = []
        for domain in self._domains(request, objects):
            try:
                runs.append(backfill_request(domain=domain, since=since, requested_by=by))
            except BackfillInProgress as exc:
                url = reverse("admin:reviews_syncrun_change", args=[exc.run.pk])
                self.message_user(
                    request, format_html('{}: <a href="{}">see its progress</a>.', exc, url), messages.WARNING
                )
            except DomainNotPollable as exc:
                self.message_user(request, f"No sync started: {exc}.", messages.ERROR)
        if not runs:
            return None
        self.message_user(
            request,
            f"Started {len(runs)} sync{'s' if len(runs) > 1 else ''} of unanswered reviews since {since:%Y-%m-%d}.",
            messages.SUCCESS,
        )
        if len(runs) == 1:
            return HttpResponseRedirect(reverse("admin:reviews_syncrun_change", args=[runs[0].pk]))
        ids = ",".join(str(run.pk) for run in runs)
        return HttpResponseRedirect(f"{reverse('admin:reviews_syncrun_changelist')}?id__in={ids}")

    def _domains(self, request: HttpRequest, objects: Iterable[Any]) -> list[Domain]:
        domains: dict[int, Domain] = {}
        for obj in objects:
            covered, problem = self.sync_domains(obj)
            if problem:
                self.message_user(request, f"No sync started for {obj}: {problem}.", messages.ERROR)
            domains.update((domain.pk, domain) for domain in covered)
        return list(domains.values())
