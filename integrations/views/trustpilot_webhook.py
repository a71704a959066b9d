"""The receiver of Trustpilot's webhooks (docs/trustpilot.md §4.7): unsigned, so the URL's secret admits a
delivery, and the body only says which reviews to read again. It answers at once; a task does the reading.

Every refusal is a plain 4xx with a JSON message and stores nothing. No session, no CSRF token: Trustpilot
sends neither. Django logs the path of a refused request; trustdesk.log_filters keeps the secret out.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from reviews.models import TrustpilotAccount
from reviews.services import webhooks
from trustdesk.metrics import WEBHOOK_DELIVERIES

logger = logging.getLogger(__name__)


@method_decorator(csrf_exempt, name="dispatch")
class TrustpilotWebhookView(View):
    http_method_names = ["post"]

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        WEBHOOK_DELIVERIES.labels(outcome="method_not_allowed").inc()
        return super().http_method_not_allowed(request, *args, **kwargs)

    def post(self, request: HttpRequest, secret: str) -> HttpResponse:
        account = webhooks.account_for_webhook_secret(secret)
        if account is None:
            # The same answer for a rotated URL as for a made-up one: neither says whether it ever worked.
            return _refused(404, "unknown_url", "No Trustpilot webhook is configured at this address.")
        if account.status != TrustpilotAccount.Status.CONNECTED:
            logger.info("Trustpilot webhook for %s refused: the account is %s", account, account.status)
            return _refused(404, "disconnected", "No Trustpilot webhook is configured at this address.")
        body = _body(request, limit=settings.TRUSTPILOT_WEBHOOK_MAX_BYTES)
        if body is None:
            return _refused(413, "too_large", f"The body is larger than {settings.TRUSTPILOT_WEBHOOK_MAX_BYTES} bytes.")
        try:
            delivery = webhooks.delivery_receive(account=account, body=body)
        except webhooks.DeliveryRefused as exc:
            return _refused(400, "malformed", str(exc))
        WEBHOOK_DELIVERIES.labels(outcome="accepted").inc()
        return JsonResponse({"received": delivery.events, "reviews": len(delivery.reviews)})


def _body(request: HttpRequest, *, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit`: read no further than that, whatever the client claims."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def _refused(status: int, outcome: str, message: str) -> JsonResponse:
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
    return JsonResponse({"error": message}, status=status)
