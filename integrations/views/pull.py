"""pull: Zendesk asks for new resources about every two minutes (docs/zendesk.md §3)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from rest_framework.request import Request
from rest_framework.response import Response

from integrations import protocol_errors as errors
from integrations.metadata import StaleMetadata
from integrations.models import ChannelInstance
from integrations.services.pull import cursor_from_state, pull_next
from integrations.views.base import ChannelView, optional
from reviews.models import Domain, TrustpilotAccount
from trustdesk import metrics


class PullView(ChannelView):
    account_with_instance = True

    @metrics.PULL_DURATION.time()
    def post(self, request: Request) -> Response:
        try:
            instance = self.instance_at_address(request, queryset=PULLED)
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
# Pull reads its instance with the address's account and what needs_update asks of the Trustpilot account and
# the domains, in one query, and only the columns a pull uses (no token is decrypted): most pulls are empty,
# and this query is most of what they cost.
PULLED = (
    ChannelInstance.objects.select_related("zendesk_account", "trustpilot_account")
    .only(
        "status", "last_sequence", "metadata_version", "zendesk_account__subdomain",
        "zendesk_account__url_secret_digest", "zendesk_account__ticket_field_stars",
        "zendesk_account__ticket_field_domain", "zendesk_account__ticket_field_language",
        "zendesk_account__ticket_field_review_url", "trustpilot_account__status",
    )
    .annotate(has_domain=Exists(_domains), has_usable_domain=Exists(_domains.filter(access_denied_at__isnull=True)))
)  # fmt: skip
