"""event_callback: Zendesk reports installs, instance changes, deleted users and delivery results (reference §7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from integrations import errors
from integrations.events import events_receive
from integrations.views.base import ChannelView


class EventCallbackView(ChannelView):
    parser_classes = [JSONParser]

    def post(self, request: Request) -> Response:
        batch = events_receive(payloads=_events(request.data))
        if batch.refused:
            raise errors.Unauthorized(batch.summary())
        if batch.malformed:
            raise errors.BadRequest(batch.summary())
        if batch.failed:
            return Response({"error": "server_error", "message": batch.summary()}, status=500)
        return Response({"received": batch.received})


def _events(body: Any) -> list[Any]:
    if not isinstance(body, Mapping) or "events" not in body:
        raise errors.BadRequest('Expected a JSON object with an "events" list')
    events = body["events"]
    if not isinstance(events, list):
        raise errors.BadRequest('"events" must be a list')
    return events
