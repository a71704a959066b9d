"""Test and demo controls for faults and limits: JSON in, JSON out, only while the sandbox is on, and only
for a caller holding the control token (sandbox.control)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, JsonResponse

from sandbox.control import control_token_refusal, control_token_valid
from sandbox.trustpilot import faults, render, webhooks, writing
from sandbox.trustpilot.errors import ApiError, ErrorCode, bad_request, malformed, not_found
from sandbox.trustpilot.models import BusinessUnit, Review, WebhookSubscription
from sandbox.trustpilot.views.base import JsonView

MODERATION = ("status", "report_data", "removed")


class ControlView(JsonView):
    """403 in Trustpilot's error shape, before anything is read or changed, without the control token."""

    def admit(self, request: HttpRequest) -> None:
        if not control_token_valid(request):
            raise ApiError(403, control_token_refusal(), code=ErrorCode.FORBIDDEN)


class FaultsView(ControlView):
    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(faults.faults_as_dict(faults.faults_get()))

    def post(self, request: HttpRequest) -> JsonResponse:
        data = _json_object(request)
        expire = data.get("expire_tokens", False)
        if not isinstance(expire, bool):
            raise bad_request("expire_tokens must be true or false")
        changes = faults.parse_changes(data)
        with transaction.atomic():
            current = faults.faults_apply(changes) if changes else faults.faults_get()
            expired = faults.access_tokens_expire() if expire else 0
        return render.json_response({**faults.faults_as_dict(current), "expired_tokens": expired})


class ResetView(ControlView):
    def post(self, request: HttpRequest) -> JsonResponse:
        current = faults.faults_reset()
        return render.json_response(faults.faults_as_dict(current))


class WebhooksView(ControlView):
    """The webhook subscriptions set up in Trustpilot Business (docs/trustpilot.md §4.7), per business unit:
    PUT {"business_unit_id", "urls": [...]} replaces that unit's; GET lists every unit's."""

    def get(self, request: HttpRequest) -> JsonResponse:
        subscriptions = WebhookSubscription.objects.order_by("business_unit_id", "pk")
        return render.json_response({"subscriptions": [_subscription(s) for s in subscriptions]})

    def put(self, request: HttpRequest) -> JsonResponse:
        data = _json_object(request)
        unit = _unit(data.get("business_unit_id"))
        urls = data.get("urls")
        if not isinstance(urls, list) or len(urls) > webhooks.MAX_SUBSCRIPTIONS or not all(map(_http_url, urls)):
            raise bad_request(f"urls must be a list of at most {webhooks.MAX_SUBSCRIPTIONS} http(s) URLs")
        subscriptions = webhooks.subscriptions_set(unit, urls)
        return render.json_response({"subscriptions": [_subscription(s) for s in subscriptions]})


class ReviewWriteView(ControlView):
    """A consumer writes a review: {"business_unit_id", "stars"?, "title"?, "text"?}; sends service-review-created."""

    def post(self, request: HttpRequest) -> JsonResponse:
        data = _json_object(request)
        unit = _unit(data.pop("business_unit_id", None))
        review = writing.review_write(unit, **writing.content_parse(data))
        return render.json_response({"id": review.id, "createdAt": render.with_millis(review.created_at)}, status=201)


class ReviewModerationView(ControlView):
    """A review's moderation as Trustpilot may report it (docs/trustpilot.md §4.4): `status` ("active", or another
    word), `report_data` (reportData, an object or null) and `removed` (404 everywhere, listed nowhere).

    PATCH is the consumer editing stars, title or text (service-review-updated); DELETE the consumer deleting the
    review (removed, and service-review-deleted)."""

    def get(self, request: HttpRequest, review_id: str) -> JsonResponse:
        return render.json_response(_moderation(_review(review_id)))

    def post(self, request: HttpRequest, review_id: str) -> JsonResponse:
        review = _review(review_id)
        changes = _moderation_changes(_json_object(request))
        Review.objects.filter(pk=review.pk).update(**changes)
        return render.json_response(_moderation(_review(review_id)))

    def patch(self, request: HttpRequest, review_id: str) -> JsonResponse:
        review = _review(review_id)
        if review.removed:
            raise not_found("Review")
        content = writing.content_parse(_json_object(request))
        if not content:
            raise bad_request("Give at least one of stars, title, text")
        review = writing.review_edit(review, **content)
        return render.json_response(
            {**_moderation(review), **content, "updatedAt": render.with_zone(review.updated_at)}
        )

    def delete(self, request: HttpRequest, review_id: str) -> JsonResponse:
        review = _review(review_id)
        if review.removed:
            raise not_found("Review")
        return render.json_response(_moderation(writing.review_delete(review)))


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise malformed() from None
    if not isinstance(data, dict):
        raise malformed()
    return data


def _unit(business_unit_id: object) -> BusinessUnit:
    if not isinstance(business_unit_id, str) or not business_unit_id:
        raise bad_request("business_unit_id must be a business unit's id")
    unit = BusinessUnit.objects.filter(pk=business_unit_id).first()
    if unit is None:
        raise not_found("Business unit")
    return unit


def _http_url(url: object) -> bool:
    return isinstance(url, str) and len(url) <= 2000 and url.startswith(("http://", "https://"))


def _subscription(subscription: WebhookSubscription) -> dict[str, str]:
    return {"business_unit_id": subscription.business_unit_id, "url": subscription.url}


def _review(review_id: str) -> Review:
    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        raise not_found("Review")
    return review


def _moderation(review: Review) -> dict[str, Any]:
    return {"id": review.id, "status": review.status, "report_data": review.report_data, "removed": review.removed}


def _moderation_changes(data: dict[str, Any]) -> dict[str, Any]:
    unknown = set(data) - set(MODERATION)
    if unknown:
        raise bad_request(f"Unknown moderation setting {sorted(unknown)[0]!r}; known: {', '.join(MODERATION)}")
    if "status" in data and (not isinstance(data["status"], str) or len(data["status"]) > 64):
        raise bad_request("status must be a string of at most 64 characters")
    if "report_data" in data and not isinstance(data["report_data"], dict | None):
        raise bad_request("report_data must be an object or null")
    if "removed" in data and not isinstance(data["removed"], bool):
        raise bad_request("removed must be true or false")
    return data
