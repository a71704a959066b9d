"""The Zendesk app pages, under /admin/zendesk-app/ (namespace "zendesk_app")."""

from django.contrib import admin
from django.urls import path

from integrations.views.zendesk_app import (
    zendesk_app_account,
    zendesk_app_download,
    zendesk_app_page,
    zendesk_app_rotate,
)

app_name = "zendesk_app"

urlpatterns = [
    path("", admin.site.admin_view(zendesk_app_page), name="page"),
    path("<str:subdomain>/", admin.site.admin_view(zendesk_app_account), name="account"),
    path("<str:subdomain>/download/", admin.site.admin_view(zendesk_app_download), name="download"),
    path("<str:subdomain>/rotate/", admin.site.admin_view(zendesk_app_rotate), name="rotate"),
]
