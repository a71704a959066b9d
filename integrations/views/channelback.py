"""channelback: an agent answered in Zendesk; publish it on Trustpilot (docs/zendesk.md §4)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from integrations.metadata import StaleMetadata, instance_from
from integrations.services.channelback import channelback_reply, stale_metadata_refusal
from integrations.views.base import ChannelView, optional


class ChannelbackView(ChannelView):
    def post(self, request: Request) -> Response:
        data = request.data
        try:
            instance = self.own(instance_from(optional(data, "metadata", max_length=5000)))
        except StaleMetadata as exc:
            raise stale_metadata_refusal(self.own(exc.instance)) from None
        external_id = channelback_reply(
            instance=instance,
            message=optional(data, "message", max_length=65535),
            parent_id=optional(data, "parent_id", max_length=511),
            thread_id=optional(data, "thread_id", max_length=511),
            request_id=optional(data, "request_unique_identifier", max_length=255),
        )
        return Response({"external_id": external_id, "allow_channelback": True})
