"""pull: Zendesk asks for new resources about every two minutes (docs/zendesk.md §3)."""

from __future__ import annotations

from django.db.models import Count, Q
from rest_framework.request import Request
from rest_framework.response import Response

from integrations import protocol_errors as errors
from integrations.metadata import StaleMetadata, instance_from
from integrations.models import ChannelInstance
from integrations.services.pull import cursor_from_state, pull_next
from integrations.views.base import ChannelView, optional
from reviews.models import TrustpilotAccount


class PullView(ChannelView):
    def post(self, request: Request) -> Response:
        try:
            instance = self.own(instance_from(optional(request.data, "metadata", max_length=5000)))
        except StaleMetadata as exc:
            # From before a disconnect: nothing of the instance, whatever became of it since.
            self.own(exc.instance)
            return metadata_needs_update()
        try:
            cursor = cursor_from_state(optional(request.data, "state", max_length=5000))
        except ValueError as exc:
            raise errors.BadRequest(str(exc)) from None
        if needs_update(instance):
            return metadata_needs_update()
        answer = pull_next(instance=instance, cursor=cursor)
        return Response({"external_resources": answer.resources, "state": str(answer.cursor)})


def metadata_needs_update() -> Response:
    """The documented way to ask the Zendesk admin to open the account again and connect Trustpilot
    (docs/zendesk.md §3.2)."""
    return Response({"external_resources": [], "metadata_needs_update": True})


def needs_update(instance: ChannelInstance) -> bool:
    account = instance.trustpilot_account
    return (
        instance.status == ChannelInstance.Status.DISCONNECTED
        or account is None
        or account.status != TrustpilotAccount.Status.CONNECTED
        or no_domain_left(instance)
    )


def no_domain_left(instance: ChannelInstance) -> bool:
    """Trustpilot refused every domain of the instance: only a new sign-in in the account's settings helps."""
    counts = instance.domains.aggregate(
        total=Count("pk"), refused=Count("pk", filter=Q(access_denied_at__isnull=False))
    )
    return bool(counts["total"]) and counts["total"] == counts["refused"]
