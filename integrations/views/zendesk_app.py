"""/admin/zendesk-app/: the private app zip of one Zendesk account, with the checks it passed or why it is
refused, and the replacement of the account's secret address."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from integrations.app_address import account_for_app, secret_rotate, subdomain_typed
from integrations.models import ZendeskAccount
from integrations.zendesk_app.build import AppPackageRefused, app_manifest_url, app_package_build, archive_name
from integrations.zendesk_app.validate import CHECKS
from trustdesk.permissions import can_download_zendesk_app

TITLE = "Download the Zendesk app"


class AccountForm(forms.Form):
    subdomain = forms.CharField(max_length=80, label="Zendesk subdomain", help_text="acme for acme.zendesk.com")

    def clean_subdomain(self) -> str:
        subdomain = subdomain_typed(self.cleaned_data["subdomain"])
        if subdomain is None:
            raise forms.ValidationError("A Zendesk subdomain holds only letters, digits and hyphens (at most 63).")
        return subdomain


def zendesk_app_page(request: HttpRequest) -> HttpResponse:
    """Pick the Zendesk account the app is for; the app of an account is built on its own page."""
    require_permission(request)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = account_for_app(form.cleaned_data["subdomain"])
        return redirect("zendesk_app:account", subdomain=account.subdomain)
    context = {
        **admin.site.each_context(request),
        "title": TITLE,
        "form": form,
        "accounts": ZendeskAccount.objects.order_by("subdomain"),
    }
    return render(request, "integrations/zendesk_app.html", context)


def zendesk_app_account(request: HttpRequest, subdomain: str) -> HttpResponse:
    require_permission(request)
    account = get_object_or_404(ZendeskAccount, subdomain=subdomain.lower())
    context = {
        **admin.site.each_context(request),
        "title": f"Zendesk app for {account.subdomain}.zendesk.com",
        "account": account,
        "manifest_url": app_manifest_url(account),
        "archive_name": archive_name(account),
    }
    try:
        package = app_package_build(account)
    except AppPackageRefused as refused:
        context["problems"] = refused.problems
    else:
        context.update(package=package, checks=[check.summary for check in CHECKS])
    return render(request, "integrations/zendesk_app_account.html", context)


def zendesk_app_download(request: HttpRequest, subdomain: str) -> HttpResponse:
    require_permission(request)
    account = get_object_or_404(ZendeskAccount, subdomain=subdomain.lower())
    try:
        package = app_package_build(account)
    except AppPackageRefused:
        return redirect("zendesk_app:account", subdomain=account.subdomain)
    response = HttpResponse(package.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{archive_name(account)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def zendesk_app_rotate(request: HttpRequest, subdomain: str) -> HttpResponse:
    require_permission(request)
    account = get_object_or_404(ZendeskAccount, subdomain=subdomain.lower())
    secret_rotate(account=account)
    messages.warning(
        request,
        f"The secret address of {account.subdomain} was replaced: Zendesk's calls to the old one are refused from "
        "now on. Download this app again and have a Zendesk admin upload and install it in place of the old one, "
        "then add the Trustpilot accounts again under Channels > Trustpilot.",
    )
    return redirect("zendesk_app:account", subdomain=account.subdomain)


def require_permission(request: HttpRequest) -> None:
    if not can_download_zendesk_app(request.user):
        raise PermissionDenied
