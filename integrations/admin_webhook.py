"""A Trustpilot account's webhook URL in the admin: the URL with the steps to set it up in Trustpilot Business,
the latest deliveries, and "Rotate webhook URL" (a confirmation page, then POST), after which the old URL is refused.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from integrations.trustpilot_webhooks import webhook_url
from reviews.models import TrustpilotAccount, WebhookDelivery
from reviews.services.webhooks import REVIEW_EVENTS, webhook_secret_rotate
from trustdesk import permissions
from trustdesk.admin_base import RecordInline
from trustdesk.admin_tools import ObjectTool, tool_target, with_tool

TEMPLATE = "admin/integrations/webhook_rotate_confirmation.html"

STEPS = (
    _("In Trustpilot Business, open Integrations > Developers > Webhooks."),
    _("Choose “Add new subscription” and paste the URL above."),
    _("Subscribe it to these events: %(events)s."),
    _("Press “Test”, then save. Trustpilot may offer webhooks only on some plans; polling continues either way."),
)


class WebhookDeliveryInline(RecordInline):
    model = WebhookDelivery
    fields = ("received_at", "events", "status", "stored", "removed", "ignored", "coalesced", "failed", "error")
    readonly_fields = fields
    verbose_name = _("webhook delivery")
    verbose_name_plural = _("latest webhook deliveries")


class WebhookAdminMixin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_rotate_webhook_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Rotating stops Trustpilot's webhooks until the new URL is pasted in: as trusted as a disconnect.
        return permissions.can_disconnect(request.user, obj or self.model)

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        view = self.admin_site.admin_view(self.rotate_webhook_view)
        name = f"{opts.app_label}_{opts.model_name}_rotate_webhook"
        return [path("<path:object_id>/rotate-webhook/", view, name=name), *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if self.has_rotate_webhook_permission(request):
            opts = self.model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_rotate_webhook", args=[object_id])
            extra_context = with_tool(extra_context, ObjectTool(str(_("Rotate webhook URL")), url))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Webhook URL"))
    def webhook(self, obj: TrustpilotAccount) -> SafeString:
        if obj.pk is None:
            return format_html("")
        events = ", ".join(REVIEW_EVENTS)
        steps = format_html_join("", "<li>{}</li>", ((str(step) % {"events": events},) for step in STEPS))
        return format_html(
            '<code style="user-select: all; word-break: break-all">{}</code><ol>{}</ol><p>{}</p>',
            webhook_url(obj),
            steps,
            _("Keep the URL secret: anyone who has it can make TrustDesk re-read this account's reviews."),
        )

    @admin.display(description=_("Last webhook delivery"))
    def last_webhook_delivery(self, obj: TrustpilotAccount) -> str:
        latest = obj.webhook_deliveries.order_by("-received_at", "-pk").first()
        if latest is None:
            return str(_("None yet"))
        return str(
            _("%(when)s (%(status)s); %(count)s kept")
            % {
                "when": f"{latest.received_at:%Y-%m-%d %H:%M:%S} UTC",
                "status": latest.get_status_display(),
                "count": obj.webhook_deliveries.count(),
            }
        )

    def rotate_webhook_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = tool_target(self, request, object_id, self.has_rotate_webhook_permission)
        assert isinstance(obj, TrustpilotAccount)  # noqa: S101 (this mixin is for Trustpilot accounts)
        opts = self.model._meta
        if request.method == "POST" and request.POST.get("post") == "yes":
            webhook_secret_rotate(account=obj)
            self.log_change(request, obj, str(_("Rotated the webhook URL.")))
            self.message_user(
                request,
                _("The webhook URL was replaced: paste the new one into Trustpilot Business; the old one is refused."),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Rotate the webhook URL?"),
            "opts": opts,
            "single": obj,
            "step": _("Rotate webhook URL"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, TEMPLATE, context)
