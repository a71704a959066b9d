"""event_callback: Zendesk reports installs, instance changes, deleted users and delivery results (reference §7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from integrations import errors
from integrations.events import events_receive
from integrations.parsers import BoundedJSONParser
from integrations.views.base import ChannelView

MAX_EVENTS = 100


class EventCallbackView(ChannelView):
    """200 for every usable batch: each event's refusal, or what became of it, is kept on the stored event.

    Only a request unusable as a whole (not JSON, too large, too deep, no events list, too many events)
    gets a 4xx, and then nothing is stored or acted on.
    """

    parser_classes = [BoundedJSONParser]

    def post(self, request: Request) -> Response:
        events = events_receive(payloads=_events(request.data))
        return Response({"received": len(events)})


def _events(body: Any) -> list[Any]:
    if not isinstance(body, Mapping) or "events" not in body:
        raise errors.BadRequest('Expected a JSON object with an "events" list')
    events = body["events"]
    if not isinstance(events, list):
        raise errors.BadRequest('"events" must be a list')
    if len(events) > MAX_EVENTS:
        raise errors.BadRequest(f"At most {MAX_EVENTS} events per request; got {len(events)}")
    return events
