"""The Zendesk Channel Framework endpoints, under /zendesk/ (namespace "zendesk")."""

from django.urls import path

from integrations.views.channelback import ChannelbackView
from integrations.views.clickthrough import ClickthroughView
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
]
