"""The Zendesk Channel Framework endpoints, under /zendesk/ (namespace "zendesk").

Everything Zendesk calls lives under one Zendesk account's secret app address, /zendesk/a/<secret>/
(integrations.app_address). The setup's own pages (connect, callback, domains, claim) are bound to a
setup by keys only that setup's page holds; the Trustpilot callback must stay un-keyed, since it is the
redirect URI registered with Trustpilot. The plain healthcheck is for the operator's load balancer. The
other un-keyed addresses are those of apps built before the secret: they answer with what to do.
"""

from django.urls import include, path, re_path

from integrations.views.admin_ui.about import AboutView
from integrations.views.admin_ui.claim import ClaimView
from integrations.views.admin_ui.domains import DomainsView
from integrations.views.admin_ui.start import AdminUiStartView, AppAddressRequiredPage
from integrations.views.admin_ui.trustpilot import CallbackView, ConnectView
from integrations.views.app_address import AppAddressRequiredView
from integrations.views.channelback import ChannelbackView
from integrations.views.clickthrough import ClickthroughView
from integrations.views.event_callback import EventCallbackView
from integrations.views.healthcheck import HealthcheckView, PlainHealthcheckView
from integrations.views.manifest import ManifestView
from integrations.views.pull import PullView

app_name = "zendesk"

keyed = [
    path("manifest.json", ManifestView.as_view(), name="manifest"),
    path("pull", PullView.as_view(), name="pull"),
    path("channelback", ChannelbackView.as_view(), name="channelback"),
    path("clickthrough", ClickthroughView.as_view(), name="clickthrough"),
    path("healthcheck", HealthcheckView.as_view(), name="healthcheck"),
    path("event_callback", EventCallbackView.as_view(), name="event_callback"),
    path("admin_ui", AdminUiStartView.as_view(), name="admin_ui"),
    path("about", AboutView.as_view(), name="about"),
]

urlpatterns = [
    path("a/<str:secret>/", include(keyed)),
    path("healthcheck", PlainHealthcheckView.as_view(), name="plain_healthcheck"),
    path("admin_ui/connect", ConnectView.as_view(), name="admin_ui_connect"),
    path("admin_ui/callback", CallbackView.as_view(), name="admin_ui_callback"),
    path("admin_ui/domains", DomainsView.as_view(), name="admin_ui_domains"),
    path("admin_ui/claim", ClaimView.as_view(), name="admin_ui_claim"),
    # Addresses of apps built before each account's secret.
    path("event_callback", EventCallbackView.as_view(), name="unkeyed_event_callback"),
    re_path(r"^(admin_ui|about)$", AppAddressRequiredPage.as_view(), name="unkeyed_page"),
    re_path(r"^(manifest\.json|pull|channelback|clickthrough)$", AppAddressRequiredView.as_view(), name="unkeyed"),
]
