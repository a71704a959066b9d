"""pull: Zendesk asks for new resources about every two minutes (docs/zendesk.md §3)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from rest_framework.request import Request
from rest_framework.response import Response

from integrations import protocol_errors as errors
from integrations.metadata import StaleMetadata, instance_from
from integrations.models import ChannelInstance
from integrations.services.pull import cursor_from_state, pull_next
from integrations.views.base import ChannelView, optional
from reviews.models import Domain, TrustpilotAccount
from trustdesk import metrics


class PullView(ChannelView):
    @metrics.PULL_DURATION.time()
    def post(self, request: Request) -> Response:
        try:
            metadata = optional(request.data, "metadata", max_length=5000)
            instance = self.own(instance_from(metadata, queryset=PULLED))
            # The one the address named, as own() checked: read once.
            instance.zendesk_account = self.zendesk_account
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
    return bool(instance.has_domain) and not instance.has_usable_domain  # type: ignore[attr-defined]


_domains = Domain.objects.filter(instances=OuterRef("pk"))
# Pull reads its instance with what needs_update asks of the domains, in the same query: most pulls are
# empty, and a query less is a good part of what they cost.
PULLED = ChannelInstance.objects.select_related("trustpilot_account").annotate(
    has_domain=Exists(_domains), has_usable_domain=Exists(_domains.filter(access_denied_at__isnull=True))
)
