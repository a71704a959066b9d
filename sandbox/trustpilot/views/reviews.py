"""Private reviews: the paged list, one review, and the company reply (docs/trustpilot.md §4, §5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from sandbox.trustpilot import faults, listing, render, replies
from sandbox.trustpilot.errors import bad_request, forbidden, malformed, not_found
from sandbox.trustpilot.live import live_reviews_arrive
from sandbox.trustpilot.models import BusinessUnit, BusinessUser, Review
from sandbox.trustpilot.views.base import PrivateApiView

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ReviewListView(PrivateApiView):
    def get(self, request: HttpRequest, business_unit_id: str) -> JsonResponse:
        unit = BusinessUnit.objects.filter(pk=business_unit_id).first()
        if unit is None:
            raise not_found("Business unit")
        if not unit.users.filter(pk=self.user.pk).exists() or faults.unit_forbidden(self.config, unit):
            raise forbidden()
        query = listing.parse_review_query(request.GET)
        live_reviews_arrive(unit, every_seconds=self.config.new_review_every_seconds)
        page = listing.review_page(unit, query)
        links = []
        if page and len(page) == query.per_page:
            params = request.GET.copy()
            params["page"] = str(query.page + 1)
            href = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
            links.append({"href": href, "method": "GET", "rel": "next-page"})
        href_of, reformat = _review_href(request), self.config.reformat_replies
        reviews = [render.review(review, href=href_of, reformat_reply=reformat) for review in page]
        return render.json_response({"reviews": reviews, "links": links})


class ReviewView(PrivateApiView):
    def get(self, request: HttpRequest, review_id: str) -> JsonResponse:
        review = _review_for(self.user, review_id)
        reformat = self.config.reformat_replies
        return render.json_response(render.review(review, href=_review_href(request), reformat_reply=reformat))


class ReplyView(PrivateApiView):
    def post(self, request: HttpRequest, review_id: str) -> JsonResponse:
        review = _review_for(self.user, review_id)
        body = _json_object(request)
        message, author_id = body.get("message"), body.get("authorBusinessUserId")
        if not isinstance(message, str | None) or not isinstance(author_id, str | None):
            raise malformed()
        if not message or not message.strip():
            raise bad_request("message must not be empty")
        if len(message) > replies.MAX_REPLY_LENGTH:
            raise bad_request(f"message is longer than the limit of {replies.MAX_REPLY_LENGTH} characters")
        author = self.user if author_id in (None, "", self.user.id) else _colleague(review, str(author_id))
        replies.reply_set(review=review, message=message, author=author)
        return render.json_response({}, status=201)

    def delete(self, request: HttpRequest, review_id: str) -> HttpResponse:
        replies.reply_delete(review=_review_for(self.user, review_id))
        return HttpResponse(status=204)


def _review_for(user: BusinessUser, review_id: str) -> Review:
    reviews = Review.objects.select_related("business_unit", "reply_author").filter(removed=False)
    review = reviews.filter(pk=review_id).first()
    if review is None:
        raise not_found("Review")
    if not BusinessUnit.objects.filter(pk=review.business_unit_id, users=user).exists():
        raise forbidden()
    return review


def _colleague(review: Review, user_id: str) -> BusinessUser:
    """A reply may be attributed to another business user, if they too can access the business unit."""
    author = BusinessUser.objects.filter(pk=user_id, business_units=review.business_unit_id).first()
    if author is None:
        raise bad_request("authorBusinessUserId is not a business user of this business unit")
    return author


def _json_object(request: HttpRequest) -> dict[str, Any]:
    # A form-encoded or non-JSON body is what Trustpilot answers with 1001 (docs/trustpilot.md §5.1).
    if request.content_type in FORM_TYPES:
        raise malformed()
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise malformed() from None
    if not isinstance(body, dict):
        raise malformed()
    return body


def _review_href(request: HttpRequest) -> Callable[[str], str]:
    def href(review_id: str) -> str:
        return request.build_absolute_uri(reverse("trustpilot_sandbox:review", args=[review_id]))

    return href
