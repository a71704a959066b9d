"""event_callback: Zendesk reports installs, instance changes, deleted users and delivery results
(docs/zendesk.md §7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from integrations import protocol_errors as errors
from integrations.event_handlers import events_receive, unaddressed_events_storable
from integrations.parsers import BoundedJSONParser
from integrations.views.base import ChannelView

MAX_EVENTS = 100


class EventCallbackView(ChannelView):
    """200 for every usable batch at an account's address: each event's refusal, or what became of it, is
    kept on the stored event; an event naming another subdomain is refused.

    A batch at an un-keyed address or with a secret that is no account's is stored, every event refused
    (up to a bound per hour, as anyone can send them), and answered with the address's error. Only a
    request unusable as a whole (not JSON, too large, too deep, no events list, too many events) gets a
    4xx with nothing stored or acted on.
    """

    parser_classes = [BoundedJSONParser]
    keyed = False  # the address is checked after the body, so that a batch sent to a wrong one is kept

    def post(self, request: Request) -> Response:
        payloads = _events(request.data)
        try:
            account = self.account_from_url()
        except (errors.AppAddressRequired, errors.UnknownAppAddress) as exc:
            if unaddressed_events_storable(len(payloads)):
                events_receive(payloads=payloads, account=None, refusal=exc.message)
            raise
        events = events_receive(payloads=payloads, account=account)
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
