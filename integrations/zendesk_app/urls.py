"""The Zendesk app download pages, under /admin/zendesk-app/ (namespace "zendesk_app")."""

from django.contrib import admin
from django.urls import path

from integrations.views.zendesk_app import zendesk_app_download, zendesk_app_page

app_name = "zendesk_app"

urlpatterns = [
    path("", admin.site.admin_view(zendesk_app_page), name="page"),
    path("download/", admin.site.admin_view(zendesk_app_download), name="download"),
]
