from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from integrations import admin_trustpilot  # noqa: F401  (registers the Trustpilot account admin)
from integrations.admin_access import access_page_open
from integrations.admin_disconnect import DisconnectAdminMixin
from integrations.admin_filters import DeliveryFilter, HasErrorFilter
from integrations.admin_sync import InstanceSyncAdminMixin
from integrations.admin_uninstall import UninstallConfirmAdminMixin
from integrations.models import (
    AccessRestriction,
    ChannelEvent,
    ChannelInstance,
    RefusedRequest,
    ReviewTicketLink,
    SetupSession,
    ZendeskAccount,
)
from trustdesk.admin_base import RecordAdmin, RecordInline, pretty_json, shorten


class ZendeskAccountForm(forms.ModelForm):  # type: ignore[type-arg]
    """The API token is write-only: it can be set or replaced, never read back."""

    new_api_token = forms.CharField(
        label="API token",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again. Leave empty to keep the current token.",
    )

    class Meta:
        model = ZendeskAccount
        fields = (
            "subdomain",
            "api_user",
            "installation_id",
            "ticket_field_stars",
            "ticket_field_domain",
            "ticket_field_language",
            "ticket_field_review_url",
        )


class ChannelInstanceInline(RecordInline):
    model = ChannelInstance
    fields = ("name", "status", "trustpilot_account", "created_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(ZendeskAccount)
class ZendeskAccountAdmin(UninstallConfirmAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    actions = ("disconnect_selected",)
    form = ZendeskAccountForm
    list_display = ("subdomain", "status", "api_user", "token_stored", "installation_id", "created_at")
    list_filter = ("status",)
    search_fields = ("subdomain", "api_user")
    readonly_fields = (
        "token_stored",
        "access",
        "status",
        "disconnected_by",
        "disconnected_at",
        "uninstall_reported_at",
        "created_at",
        "updated_at",
    )
    inlines = (ChannelInstanceInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: ZendeskAccount | None = None) -> Any:
        if obj is not None:
            return ("subdomain", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(boolean=True, description="API token stored")
    def token_stored(self, obj: ZendeskAccount) -> bool:
        return obj.has_api_token

    @admin.display(description="Role and group access")
    def access(self, obj: ZendeskAccount) -> str:
        url = reverse("admin:integrations_zendeskaccount_access", args=[obj.pk])
        restriction = AccessRestriction.objects.filter(zendesk_account=obj).first()
        summary = "Every agent" if restriction is None or not restriction.restricts else "Restricted"
        if restriction is not None:
            summary += f" ({restriction.get_sync_status_display().lower()})"
        return format_html('{} — <a href="{}" id="edit-access">Role and group access</a>', summary, url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.access_view)
        return [path("<int:pk>/access/", view, name="integrations_zendeskaccount_access"), *super().get_urls()]

    def access_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = get_object_or_404(ZendeskAccount, pk=pk)
        if not self.has_view_permission(request, account):
            raise PermissionDenied
        return access_page_open(request, account)

    def save_model(self, request: HttpRequest, obj: ZendeskAccount, form: Any, change: bool) -> None:
        new_token = form.cleaned_data.get("new_api_token")
        if new_token:
            obj.api_token = new_token
        super().save_model(request, obj, form, change)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        # The history says the token changed, never what it is.
        message = super().construct_change_message(request, form, formsets, add)
        if form.cleaned_data.get("new_api_token"):
            message.append({"changed": {"fields": ["API token"]}})
        return message


@admin.register(ChannelInstance)
class ChannelInstanceAdmin(DisconnectAdminMixin, InstanceSyncAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    actions = ("disconnect_selected", "sync_unanswered")
    list_display = ("name", "zendesk_account", "trustpilot_account", "status", "sync_unanswered", "created_at")
    list_filter = ("status", "zendesk_account", "sync_unanswered")
    list_select_related = ("zendesk_account", "trustpilot_account")
    search_fields = ("name", "instance_push_id", "zendesk_account__subdomain")
    fields = (
        "name",
        "zendesk_account",
        "trustpilot_account",
        "domains",
        "sync_unanswered",
        "sync_unanswered_days",
        "locale",
        "instance_push_id",
        "push_token_stored",
        "status",
        "created_at",
        "updated_at",
        "deactivated_at",
        "disconnected_at",
    )
    # The domains and the sync of unanswered reviews change only through the account page in Zendesk
    # (services.setup.instance_save), which polls a domain added and starts the sync it needs.
    readonly_fields = tuple(f for f in fields if f != "name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # instances are made by "Add account" in Zendesk

    @admin.display(boolean=True, description="Push token stored")
    def push_token_stored(self, obj: ChannelInstance) -> bool:
        return obj.push_token is not None


@admin.register(ReviewTicketLink)
class ReviewTicketLinkAdmin(RecordAdmin):
    list_display = ("external_id", "kind", "instance", "sequence", "zendesk_ticket_id", "first_delivered_at")
    list_filter = ("kind", "instance", DeliveryFilter)
    list_select_related = ("instance__zendesk_account", "review")
    search_fields = ("external_id", "review__trustpilot_id", "=zendesk_ticket_id")


@admin.register(ChannelEvent)
class ChannelEventAdmin(RecordAdmin):
    list_display = ("type_id", "subdomain", "instance", "outcome", "short_reason", "short_error", "received_at")
    list_filter = ("outcome", "type_id", HasErrorFilter)
    list_select_related = ("instance",)
    search_fields = ("subdomain", "type_id", "error", "outcome_reason")
    exclude = ("payload",)
    readonly_fields = ("payload_json",)

    @admin.display(description="Why")
    def short_reason(self, obj: ChannelEvent) -> str:
        return shorten(obj.outcome_reason, 60)

    @admin.display(description="Error")
    def short_error(self, obj: ChannelEvent) -> str:
        return shorten(obj.error, 60)

    @admin.display(description="Payload")
    def payload_json(self, obj: ChannelEvent) -> str:
        return pretty_json(obj.payload)


@admin.register(RefusedRequest)
class RefusedRequestAdmin(RecordAdmin):
    """Requests refused for their address: an app built before the secret, a replaced secret, a stranger."""

    list_display = ("endpoint", "code", "zendesk_account", "received_at")
    list_filter = ("code", "endpoint")
    search_fields = ("zendesk_account__subdomain", "reason")


@admin.register(SetupSession)
class SetupSessionAdmin(RecordAdmin):
    """Runs of the account page in Zendesk, for tracing a connection that did not finish."""

    list_display = ("subdomain", "instance", "trustpilot_account", "locale", "created_at", "completed_at")
    list_filter = ("locale",)
    search_fields = ("subdomain", "name")
    exclude = ("key", "sign_in_key")
