"""The access page of a Zendesk account: which Zendesk roles and groups may use TrustDesk's app.

Choices come from the account's custom roles and groups, loaded from Zendesk by a task (never inside
the admin request); saving writes the restrictions to TrustDesk's app installation from a task too,
and the page shows whether that worked, with a retry.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from integrations import tasks
from integrations.models import AccessRestriction, ZendeskAccount
from integrations.services import access
from trustdesk import permissions
from trustdesk.admin_base import shorten

GONE = "not found in Zendesk any more"


class AccessRestrictionForm(forms.ModelForm):  # type: ignore[type-arg]
    allowed_roles = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Allowed roles"
    )
    allowed_groups = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Allowed groups"
    )

    class Meta:
        model = AccessRestriction
        fields = ("role_restriction_enabled", "allowed_roles", "group_restriction_enabled", "allowed_groups")
        labels = {"role_restriction_enabled": "Role restriction", "group_restriction_enabled": "Group restriction"}
        help_texts = {
            "role_restriction_enabled": "Only agents with one of the allowed roles may use TrustDesk.",
            "group_restriction_enabled": "Only agents in one of the allowed groups may use TrustDesk. "
            "With both restrictions on, an agent needs an allowed role and an allowed group.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account = self.instance.zendesk_account
        self.names: dict[str, dict[int, str]] = {}
        for field, directory in (("allowed_roles", account.zendesk_roles), ("allowed_groups", account.zendesk_groups)):
            chosen = getattr(self.instance, field)
            names = {int(item["id"]): str(item["name"]) for item in directory}
            gone = {int(item["id"]): str(item["name"]) for item in chosen if int(item["id"]) not in names}
            self.names[field] = {**names, **gone}
            choice_field = cast(forms.ChoiceField, self.fields[field])
            choice_field.choices = [
                *sorted(names.items(), key=lambda choice: choice[1].lower()),
                *((key, f"{name} ({GONE})") for key, name in gone.items()),
            ]
            self.initial[field] = [int(item["id"]) for item in chosen]

    def clean_allowed_roles(self) -> list[dict[str, Any]]:
        return self._named("allowed_roles")

    def clean_allowed_groups(self) -> list[dict[str, Any]]:
        return self._named("allowed_groups")

    def _named(self, field: str) -> list[dict[str, Any]]:
        return [{"id": key, "name": self.names[field][key]} for key in self.cleaned_data[field]]

    def change_description(self) -> str:
        """Before and after, for the admin history."""
        return "; ".join(
            f"{self.fields[field].label}: {self._shown(field, self.initial.get(field))} "
            f"→ {self._shown(field, self.cleaned_data[field])}"
            for field in self.changed_data
        )

    def _shown(self, field: str, value: Any) -> str:
        """A switch as on/off; roles and groups, as ids (initial) or {"id", "name"} (cleaned), by name."""
        if isinstance(value, bool):
            return "on" if value else "off"
        ids = [item if isinstance(item, int) else int(item["id"]) for item in value or []]
        return ", ".join(self.names[field].get(key, "?") for key in ids) or "none"


@admin.register(AccessRestriction)
class AccessRestrictionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = AccessRestrictionForm
    change_form_template = "admin/integrations/accessrestriction/change_form.html"
    change_list_template = "admin/integrations/accessrestriction/change_list.html"
    list_display = ("zendesk_account", "roles", "groups", "sync_state", "last_synced_at")
    list_filter = ("sync_status", "role_restriction_enabled", "group_restriction_enabled")
    list_select_related = ("zendesk_account",)
    search_fields = ("zendesk_account__subdomain",)
    readonly_fields = ("zendesk_account", "sync_state", "last_synced_at")
    fieldsets = (
        (None, {"fields": ("zendesk_account",)}),
        ("Roles", {"fields": ("role_restriction_enabled", "allowed_roles")}),
        ("Groups", {"fields": ("group_restriction_enabled", "allowed_groups")}),
        ("In Zendesk", {"fields": ("sync_state", "last_synced_at")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opened from the Zendesk account's page, which makes the row

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.can_edit_restrictions(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # restrictions go with a disconnect, never one by one

    @admin.display(description="Allowed roles")
    def roles(self, obj: AccessRestriction) -> str:
        if not obj.role_restriction_enabled:
            return "Any role"
        return ", ".join(str(role["name"]) for role in obj.allowed_roles)

    @admin.display(description="Allowed groups")
    def groups(self, obj: AccessRestriction) -> str:
        if not obj.group_restriction_enabled:
            return "Any group"
        return ", ".join(str(group["name"]) for group in obj.allowed_groups)

    @admin.display(description="Zendesk", ordering="sync_status")
    def sync_state(self, obj: AccessRestriction) -> str:
        css = {"synced": "td-ok", "failed": "td-failed", "pending": "td-pending"}.get(obj.sync_status, "")
        error = f": {shorten(obj.last_sync_error, 200)}" if obj.sync_status == obj.SyncStatus.FAILED else ""
        return format_html('<span class="{}">{}{}</span>', css, obj.get_sync_status_display(), error)

    def save_model(self, request: HttpRequest, obj: AccessRestriction, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        access.restriction_sync_request(restriction=obj)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        return form.change_description() or "Saved without changes; written to Zendesk again."

    def response_change(self, request: HttpRequest, obj: AccessRestriction) -> HttpResponse:
        self.message_user(request, "Saved. TrustDesk is writing the restrictions to Zendesk now.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:integrations_accessrestriction_change", args=[obj.pk]))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/directory/", view(self.directory_view), name="integrations_accessrestriction_directory"),
            path("<int:pk>/sync/", view(self.sync_view), name="integrations_accessrestriction_sync"),
            *super().get_urls(),
        ]

    def directory_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        restriction = self._posted(request, pk)
        account_id = restriction.zendesk_account_id
        transaction.on_commit(lambda: tasks.refresh_zendesk_directory.delay(account_id), robust=True)
        self.message_user(request, "Loading roles and groups from Zendesk; this page shows them once loaded.")
        return HttpResponseRedirect(reverse("admin:integrations_accessrestriction_change", args=[pk]))

    def sync_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        restriction = self._posted(request, pk)
        access.restriction_sync_request(restriction=restriction)
        self.log_change(request, restriction, "Asked to write the restrictions to Zendesk again.")
        self.message_user(request, "Writing the restrictions to Zendesk again.")
        return HttpResponseRedirect(reverse("admin:integrations_accessrestriction_change", args=[pk]))

    def _posted(self, request: HttpRequest, pk: int) -> AccessRestriction:
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(AccessRestriction, pk=pk)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        # Refresh by itself while a write to Zendesk is under way, so the outcome shows without a click.
        pending = AccessRestriction.objects.filter(sync_status=AccessRestriction.SyncStatus.PENDING).exists()
        return super().changelist_view(request, {**(extra_context or {}), "writing_to_zendesk": pending})

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        obj = kwargs.get("obj")
        if obj is not None:
            context["account"] = obj.zendesk_account
        return super().render_change_form(request, context, *args, **kwargs)


def access_page_open(request: HttpRequest, account: ZendeskAccount) -> HttpResponse:
    """The Zendesk account's access page, made on first visit (and its roles and groups loaded then)."""
    restriction = AccessRestriction.objects.filter(zendesk_account=account).first()
    if restriction is None:
        if not permissions.can_edit_restrictions(request.user):
            raise PermissionDenied
        if account.status != ZendeskAccount.Status.ACTIVE:
            messages.error(request, "This Zendesk account is disconnected: it has no access settings any more.")
            return HttpResponseRedirect(reverse("admin:integrations_zendeskaccount_change", args=[account.pk]))
        restriction = AccessRestriction.objects.create(zendesk_account=account)
        if account.directory_loaded_at is None:
            transaction.on_commit(lambda: tasks.refresh_zendesk_directory.delay(account.pk), robust=True)
    return HttpResponseRedirect(reverse("admin:integrations_accessrestriction_change", args=[restriction.pk]))
