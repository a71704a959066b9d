from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from integrations.admin_filters import DeliveryFilter, HasErrorFilter
from integrations.models import (
    AccessRestriction,
    ChannelEvent,
    ChannelInstance,
    ReviewTicketLink,
    SetupSession,
    ZendeskAccount,
)
from trustdesk.admin_base import RecordAdmin, RecordInline, pretty_json, shorten
from trustdesk.admin_disconnect import DisconnectAdminMixin
from trustdesk.admin_sync import InstanceSyncAdminMixin


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


class AccessRestrictionInline(admin.StackedInline):  # type: ignore[type-arg]
    model = AccessRestriction
    fields = (
        "role_restriction_enabled",
        "allowed_roles",
        "group_restriction_enabled",
        "allowed_groups",
        "last_synced_at",
        "last_sync_error",
    )
    readonly_fields = ("last_synced_at", "last_sync_error")
    can_delete = False


class ChannelInstanceInline(RecordInline):
    model = ChannelInstance
    fields = ("name", "status", "trustpilot_account", "created_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(ZendeskAccount)
class ZendeskAccountAdmin(DisconnectAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    actions = ("disconnect_selected",)
    form = ZendeskAccountForm
    list_display = ("subdomain", "status", "api_user", "token_stored", "installation_id", "created_at")
    list_filter = ("status",)
    search_fields = ("subdomain", "api_user")
    readonly_fields = ("token_stored", "status", "disconnected_by", "disconnected_at", "created_at", "updated_at")
    inlines = (AccessRestrictionInline, ChannelInstanceInline)

    def get_readonly_fields(self, request: HttpRequest, obj: ZendeskAccount | None = None) -> Any:
        if obj is not None:
            return ("subdomain", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(boolean=True, description="API token stored")
    def token_stored(self, obj: ZendeskAccount) -> bool:
        return obj.has_api_token

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
    filter_horizontal = ("domains",)
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
    readonly_fields = tuple(
        f for f in fields if f not in ("name", "domains", "sync_unanswered", "sync_unanswered_days")
    )

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


@admin.register(AccessRestriction)
class AccessRestrictionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "zendesk_account",
        "role_restriction_enabled",
        "roles",
        "group_restriction_enabled",
        "groups",
        "last_synced_at",
        "sync_error",
    )
    list_filter = ("role_restriction_enabled", "group_restriction_enabled")
    list_select_related = ("zendesk_account",)
    search_fields = ("zendesk_account__subdomain",)
    readonly_fields = ("last_synced_at", "last_sync_error", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: AccessRestriction | None = None) -> Any:
        if obj is not None:
            return ("zendesk_account", *self.readonly_fields)
        return self.readonly_fields

    @admin.display(description="Allowed roles")
    def roles(self, obj: AccessRestriction) -> str:
        return ", ".join(str(role.get("name")) for role in obj.allowed_roles) or "—"

    @admin.display(description="Allowed groups")
    def groups(self, obj: AccessRestriction) -> str:
        return ", ".join(str(group.get("name")) for group in obj.allowed_groups) or "—"

    @admin.display(description="Last sync error")
    def sync_error(self, obj: AccessRestriction) -> str:
        return shorten(obj.last_sync_error, 60)


@admin.register(ChannelEvent)
class ChannelEventAdmin(RecordAdmin):
    list_display = ("type_id", "subdomain", "instance", "short_error", "occurred_at", "received_at")
    list_filter = ("type_id", HasErrorFilter)
    list_select_related = ("instance",)
    search_fields = ("subdomain", "type_id", "error")
    exclude = ("payload",)
    readonly_fields = ("payload_json",)

    @admin.display(description="Error")
    def short_error(self, obj: ChannelEvent) -> str:
        return shorten(obj.error, 60)

    @admin.display(description="Payload")
    def payload_json(self, obj: ChannelEvent) -> str:
        return pretty_json(obj.payload)


@admin.register(SetupSession)
class SetupSessionAdmin(RecordAdmin):
    """Runs of the account page in Zendesk, for tracing a connection that did not finish."""

    list_display = ("subdomain", "instance", "trustpilot_account", "locale", "created_at", "completed_at")
    list_filter = ("locale",)
    search_fields = ("subdomain", "name")
    exclude = ("key",)
