from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/zendesk-app/", include("integrations.zendesk_app.urls")),
    path("admin/", admin.site.urls),
    path("zendesk/", include("integrations.urls")),
    path("trustpilot/", include("integrations.trustpilot_urls")),
    path("", include("integrations.metrics_urls")),
]

# The sandboxes are routed only where they are installed (TRUSTDESK_SANDBOX); a production start has neither.
# Named by string, as settings name apps, so the project package imports no app.
if "sandbox.trustpilot" in settings.INSTALLED_APPS:
    urlpatterns.append(path("sandbox/trustpilot/", include("sandbox.trustpilot.urls")))
if "sandbox.zendesk" in settings.INSTALLED_APPS:
    urlpatterns.append(path("sandbox/zendesk/<str:subdomain>/", include("sandbox.zendesk.urls")))
