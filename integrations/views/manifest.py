from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from integrations.manifest import build_manifest
from integrations.views.base import ChannelView


class ManifestView(ChannelView):
    def get(self, request: Request) -> Response:
        return Response(build_manifest(self.zendesk_account))
