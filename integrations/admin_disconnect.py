""" "Disconnect…" in the admin, for Trustpilot accounts, Zendesk accounts and channel instances.

The changelist action and the change page's button lead to one confirmation page that lists what
goes and what stays. Confirming calls the disconnect services, reports per object and writes each
object's history.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from integrations.models import ChannelInstance, ZendeskAccount
from integrations.services.disconnect import (
    instance_disconnect,
    trustpilot_account_disconnect,
    zendesk_account_disconnect,
)
from integrations.services.disconnect_plan import DisconnectPlan, disconnect_outcome, disconnect_plan
from reviews.models import TrustpilotAccount
from trustdesk import permissions
from trustdesk.admin_tools import CHANGE_FORM_TEMPLATE, ObjectTool, tool_target, with_tool

logger = logging.getLogger(__name__)

TEMPLATE = "admin/integrations/disconnect_confirmation.html"


def object_disconnect(obj: Model, *, by: str) -> None:
    if isinstance(obj, TrustpilotAccount):
        trustpilot_account_disconnect(account=obj, by=by)
    elif isinstance(obj, ZendeskAccount):
        zendesk_account_disconnect(account=obj, by=by)
    elif isinstance(obj, ChannelInstance):
        instance_disconnect(instance=obj, by=by)
    else:
        raise TypeError(f"{type(obj).__name__} cannot be disconnected")


class DisconnectAdminMixin(admin.ModelAdmin):  # type: ignore[type-arg]
    change_form_template = CHANGE_FORM_TEMPLATE

    def has_disconnect_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_disconnect(request.user, obj or self.model)

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        view = self.admin_site.admin_view(self.disconnect_view)
        name = f"{opts.app_label}_{opts.model_name}_disconnect"
        return [path("<path:object_id>/disconnect/", view, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if self.has_disconnect_permission(request):
            url = reverse(
                f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_disconnect", args=[object_id]
            )
            extra_context = with_tool(extra_context, ObjectTool("Disconnect", url))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Disconnect…", permissions=["disconnect"])
    def disconnect_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        objects = list(queryset)
        if request.POST.get("post") == "yes":
            self._disconnect(request, objects)
            return None  # back to the changelist
        return self._confirmation(request, objects, from_action=True)

    def disconnect_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = tool_target(self, request, object_id, self.has_disconnect_permission)
        if request.method == "POST" and request.POST.get("post") == "yes":
            self._disconnect(request, [obj])
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        return self._confirmation(request, [obj], from_action=False)

    def _confirmation(self, request: HttpRequest, objects: list[Model], *, from_action: bool) -> TemplateResponse:
        plans = [disconnect_plan(obj) for obj in objects]
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": "Are you sure?",
            "opts": opts,
            "plans": [plan for plan in plans if not plan.nothing_to_do],
            "done": [plan for plan in plans if plan.nothing_to_do],
            "from_action": from_action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "selected": [obj.pk for obj in objects],
            "single": None if from_action else objects[0],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, TEMPLATE, context)

    def _disconnect(self, request: HttpRequest, objects: list[Model]) -> None:
        by = request.user.get_username() or str(request.user)
        disconnected = 0
        for obj in objects:
            plan = disconnect_plan(obj)
            if plan.nothing_to_do:
                self.message_user(request, f"{obj} was already disconnected: nothing to do.", messages.INFO)
                continue
            disconnected += self._disconnect_one(request, obj, plan, by)
        if len(objects) > 1:
            self.message_user(request, f"Disconnected {disconnected} of {len(objects)}.", messages.INFO)

    def _disconnect_one(self, request: HttpRequest, obj: Model, plan: DisconnectPlan, by: str) -> bool:
        try:
            object_disconnect(obj, by=by)
        except Exception as exc:  # one failure must not stop the others, and the admin must see it
            logger.exception("Disconnecting %s %s failed", type(obj).__name__, obj.pk)
            self.message_user(request, f"Could not disconnect {obj}: {exc}", messages.ERROR)
            return False
        outcome = disconnect_outcome(plan)
        self.log_change(request, obj, outcome.summary)
        self.message_user(request, f"{obj}: {outcome.summary}.", messages.SUCCESS)
        for problem in outcome.problems:
            self.message_user(request, problem, messages.WARNING)
        return True
