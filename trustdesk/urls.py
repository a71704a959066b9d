from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/zendesk-app/", include("integrations.zendesk_app.urls")),
    path("admin/", admin.site.urls),
    path("zendesk/", include("integrations.urls")),
    # Always routed; every sandbox view answers 404 unless TRUSTDESK_SANDBOX is on.
    path("sandbox/trustpilot/", include("reviews.sandbox.urls")),
    path("sandbox/zendesk/<str:subdomain>/", include("integrations.sandbox.urls")),
]
