"""The Zendesk Channel Framework endpoints, under /zendesk/ (namespace "zendesk")."""

from django.urls import path

from integrations.views.admin_ui.about import AboutView
from integrations.views.admin_ui.claim import ClaimView
from integrations.views.admin_ui.domains import DomainsView
from integrations.views.admin_ui.start import AdminUiStartView
from integrations.views.admin_ui.trustpilot import CallbackView, ConnectView
from integrations.views.channelback import ChannelbackView
from integrations.views.clickthrough import ClickthroughView
from integrations.views.event_callback import EventCallbackView
from integrations.views.healthcheck import HealthcheckView
from integrations.views.manifest import ManifestView
from integrations.views.pull import PullView

app_name = "zendesk"

urlpatterns = [
    path("manifest.json", ManifestView.as_view(), name="manifest"),
    path("pull", PullView.as_view(), name="pull"),
    path("channelback", ChannelbackView.as_view(), name="channelback"),
    path("clickthrough", ClickthroughView.as_view(), name="clickthrough"),
    path("healthcheck", HealthcheckView.as_view(), name="healthcheck"),
    path("event_callback", EventCallbackView.as_view(), name="event_callback"),
    path("admin_ui", AdminUiStartView.as_view(), name="admin_ui"),
    path("admin_ui/connect", ConnectView.as_view(), name="admin_ui_connect"),
    path("admin_ui/callback", CallbackView.as_view(), name="admin_ui_callback"),
    path("admin_ui/domains", DomainsView.as_view(), name="admin_ui_domains"),
    path("admin_ui/claim", ClaimView.as_view(), name="admin_ui_claim"),
    path("about", AboutView.as_view(), name="about"),
]
