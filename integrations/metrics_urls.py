"""/metrics, routed at the site's root by trustdesk.urls (by name, so the project package imports no app)."""

from django.urls import path

from integrations.views.metrics import MetricsView

urlpatterns = [path("metrics", MetricsView.as_view(), name="metrics")]
