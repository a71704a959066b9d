"""What Trustpilot calls, under /trustpilot/ (namespace "trustpilot")."""

from django.urls import path

from integrations.views.trustpilot_webhook import TrustpilotWebhookView

app_name = "trustpilot"

urlpatterns = [
    path("webhooks/<str:secret>", TrustpilotWebhookView.as_view(), name="webhook"),
]
