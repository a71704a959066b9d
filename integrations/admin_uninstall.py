"""A support manager's confirmation of an uninstall Zendesk reported but TrustDesk could not check.

destroy_integration is unsigned; without an API token and installation id to ask Zendesk with, the event
only records "uninstall reported" (integrations.event_handlers). The dashboard's button posts here, and the
ordinary disconnect runs, with its report and history entry; the event alone never disconnects.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse

from integrations.admin_disconnect import DisconnectAdminMixin
from integrations.models import ZendeskAccount
from trustdesk.admin_tools import tool_target

URL_NAME = "integrations_zendeskaccount_confirm_uninstall"


def uninstall_awaits_confirmation(account: ZendeskAccount) -> bool:
    return account.uninstall_reported_at is not None and account.status == ZendeskAccount.Status.ACTIVE


class UninstallConfirmAdminMixin(DisconnectAdminMixin):
    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.uninstall_confirm_view)
        return [path("<path:object_id>/confirm-uninstall/", view, name=URL_NAME), *super().get_urls()]

    def uninstall_confirm_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        account = tool_target(self, request, object_id, self.has_disconnect_permission)
        if isinstance(account, ZendeskAccount) and uninstall_awaits_confirmation(account):
            self._disconnect(request, [account])
        else:
            self.message_user(request, f"{account}: no reported uninstall waits for confirmation.", messages.INFO)
        return HttpResponseRedirect(reverse("admin:index"))
