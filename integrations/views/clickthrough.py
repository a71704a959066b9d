"""clickthrough: Zendesk's link from a ticket comment to the review on Trustpilot (docs/zendesk.md §5)."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from rest_framework.request import Request

from integrations import protocol
from integrations import protocol_errors as errors
from integrations.views.base import ChannelView, required
from reviews.models import Review
from reviews.trustpilot.links import public_review_url


class ClickthroughView(ChannelView):
    def get(self, request: Request) -> HttpResponseRedirect:
        external_id = required(request.query_params, "external_id", max_length=255)
        review_id = protocol.review_id_from_external_id(external_id)
        # Only reviews of this account's domains can be opened, and only on Trustpilot: never an open redirect.
        reviews = Review.objects.filter(
            trustpilot_id=review_id, domain__instances__zendesk_account=self.zendesk_account
        )
        if review_id is None or not reviews.exists():
            raise errors.NotFound(f"No review is known for external_id {external_id!r}")
        response = HttpResponseRedirect(public_review_url(review_id))
        response["Referrer-Policy"] = "no-referrer"  # the address holds the account's secret
        return response
