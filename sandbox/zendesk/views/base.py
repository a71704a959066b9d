"""What every Zendesk sandbox view shares: the on/off switch, the subdomain, and for API calls faults and auth."""

from __future__ import annotations

import json
import time
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from sandbox.zendesk import auth, faults
from sandbox.zendesk.errors import ApiError, bad_request, invalid_endpoint, not_found
from sandbox.zendesk.models import SandboxZendesk


# JSON callers are programs holding credentials, not browsers holding a session: CSRF does not apply.
@method_decorator(csrf_exempt, name="dispatch")
class SandboxView(View):
    """404 unless TRUSTDESK_SANDBOX is on (read per request, so settings overrides apply at once);
    views raise ApiError for any error answer, and it becomes Zendesk's error JSON."""

    zendesk: SandboxZendesk

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.TRUSTDESK_SANDBOX:
            raise Http404("The Zendesk sandbox is off")
        subdomain = kwargs.pop("subdomain")
        try:
            zendesk = SandboxZendesk.objects.filter(subdomain=subdomain).first()
            if zendesk is None:
                raise not_found(f"No sandbox account {subdomain!r}: run manage.py zendesk_sandbox_seed --subdomain")
            self.zendesk = zendesk
            self.admit(request)
            return super().dispatch(request, *args, **kwargs)
        except ApiError as error:
            return error.response()

    def admit(self, request: HttpRequest) -> None:
        """Checks a subclass runs before its handler; raise to refuse the request."""

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Zendesk routes by method and path together: a method a path does not take is a route it does not have.
        raise invalid_endpoint()


class UnknownEndpointView(SandboxView):
    """Every path under the subdomain that no other route takes, with any method: Zendesk's JSON 404."""

    http_method_names: list[str] = []


class FaultyView(SandboxView):
    """Any /api/v2 call: latency, then an injected failure, then the view's own checks."""

    def admit(self, request: HttpRequest) -> None:
        if self.zendesk.latency_ms:
            time.sleep(self.zendesk.latency_ms / 1000)
        failure = faults.injected_failure(self.zendesk)
        if failure is not None:
            raise failure


class ApiView(FaultyView):
    """A REST call: the faults, then the API token, then the view."""

    api_user: str

    def admit(self, request: HttpRequest) -> None:
        super().admit(request)
        self.api_user = auth.api_user_authenticate(request, zendesk=self.zendesk)


def json_body(request: HttpRequest) -> Any:
    """The request's JSON body, or 400 as Zendesk answers a body it cannot parse."""
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The request body is not valid JSON", error="InvalidJSON") from None


def json_object(request: HttpRequest) -> dict[str, Any]:
    data = json_body(request)
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object")
    return data
