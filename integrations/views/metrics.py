"""/metrics for Prometheus: 404 unless configured, then only for the bearer token and/or the allowed addresses.

The address checked is the TCP peer (REMOTE_ADDR), never X-Forwarded-For: any client can write that header, and
the counts are per host, so Prometheus scrapes each host directly rather than through the proxy.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import View
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import Metric

from integrations.metrics import DatabaseCollector
from trustdesk import metrics


class Exposition:
    """This host's event metrics, then the database's figures, as one registry for generate_latest."""

    def collect(self) -> Iterator[Metric]:
        yield from metrics.event_metrics()
        yield from DatabaseCollector().collect()


class MetricsView(View):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.TRUSTDESK_METRICS_TOKEN and not settings.TRUSTDESK_METRICS_ALLOWED_IPS:
            raise Http404("metrics are off")
        refusal = refused(request)
        if refusal is not None:
            return refusal
        return HttpResponse(generate_latest(Exposition()), content_type=CONTENT_TYPE_LATEST)


def refused(request: HttpRequest) -> HttpResponse | None:
    if settings.TRUSTDESK_METRICS_ALLOWED_IPS and not address_allowed(request.META.get("REMOTE_ADDR", "")):
        return JsonResponse({"error": "this address may not read the metrics"}, status=403)
    token = settings.TRUSTDESK_METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            response = JsonResponse({"error": "a valid bearer token is required"}, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    return None


def address_allowed(remote_addr: str) -> bool:
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.TRUSTDESK_METRICS_ALLOWED_IPS)
