"""pull: Zendesk asks for new resources about every two minutes (reference §3)."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from integrations import errors
from integrations.metadata import instance_from
from integrations.models import ChannelInstance
from integrations.services.pull import cursor_from_state, pull_next
from integrations.views.base import ChannelView, optional
from reviews.models import TrustpilotAccount


class PullView(ChannelView):
    def post(self, request: Request) -> Response:
        instance = instance_from(optional(request.data, "metadata", max_length=5000))
        try:
            cursor = cursor_from_state(optional(request.data, "state", max_length=5000))
        except ValueError as exc:
            raise errors.BadRequest(str(exc)) from None
        if needs_update(instance):
            # The admin must open the account in Zendesk and connect Trustpilot again.
            return Response({"external_resources": [], "metadata_needs_update": True})
        answer = pull_next(instance=instance, cursor=cursor)
        return Response({"external_resources": answer.resources, "state": str(answer.cursor)})


def needs_update(instance: ChannelInstance) -> bool:
    account = instance.trustpilot_account
    return (
        instance.status == ChannelInstance.Status.DISCONNECTED
        or account is None
        or account.status != TrustpilotAccount.Status.CONNECTED
    )
