"""/admin/zendesk-app/: the private app zip Zendesk admins upload, with the checks it passed or why it is refused."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from integrations.zendesk_app.build import ARCHIVE_NAME, AppPackageRefused, app_manifest_url, app_package_build
from integrations.zendesk_app.validate import CHECKS
from trustdesk.permissions import can_download_zendesk_app

TITLE = "Download the Zendesk app"


def zendesk_app_page(request: HttpRequest) -> HttpResponse:
    require_permission(request)
    context = {
        **admin.site.each_context(request),
        "title": TITLE,
        "manifest_url": app_manifest_url(),
        "archive_name": ARCHIVE_NAME,
    }
    try:
        package = app_package_build()
    except AppPackageRefused as refused:
        context["problems"] = refused.problems
    else:
        context.update(package=package, checks=[check.summary for check in CHECKS])
    return render(request, "integrations/zendesk_app.html", context)


def zendesk_app_download(request: HttpRequest) -> HttpResponse:
    require_permission(request)
    try:
        package = app_package_build()
    except AppPackageRefused:
        return redirect("zendesk_app:page")
    response = HttpResponse(package.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{ARCHIVE_NAME}"'
    return response


def require_permission(request: HttpRequest) -> None:
    if not can_download_zendesk_app(request.user):
        raise PermissionDenied
