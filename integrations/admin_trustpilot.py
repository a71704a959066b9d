"""The Trustpilot account admin, registered here because its Disconnect action is the Zendesk side's.

Disconnecting an account also removes its channel instances' access (integrations.services.disconnect),
so the page lives in the app on top and reviews/ stays free of the Zendesk side.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from integrations.admin_disconnect import DisconnectAdminMixin
from integrations.admin_webhook import WebhookAdminMixin, WebhookDeliveryInline
from reviews.admin_filters import TokenExpiryFilter
from reviews.models import TrustpilotAccount


@admin.register(TrustpilotAccount)
class TrustpilotAccountAdmin(WebhookAdminMixin, DisconnectAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    actions = ("disconnect_selected",)
    inlines = (WebhookDeliveryInline,)
    list_display = (
        "__str__",
        "business_user_id",
        "status",
        "tokens_stored",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "connected_at",
    )
    list_filter = ("status", TokenExpiryFilter)
    search_fields = ("name", "business_user_id", "email")
    fields = (
        "name",
        "email",
        "business_user_id",
        "business_user_known",
        "status",
        "status_reason",
        "tokens_stored",
        "access_token_expires_at",
        "refresh_token_expires_at",
        "connected_by",
        "connected_at",
        "disconnected_by",
        "disconnected_at",
        "webhook",
        "last_webhook_delivery",
        "created_at",
        "updated_at",
    )
    readonly_fields = tuple(f for f in fields if f not in ("name",))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts come from the Trustpilot "Allow" flow, never typed in

    @admin.display(boolean=True, description="Tokens stored")
    def tokens_stored(self, obj: TrustpilotAccount) -> bool:
        return obj.has_tokens
