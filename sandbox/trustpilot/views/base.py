"""What every sandbox view shares: the on/off switch, and for /v1 calls faults, credentials and limits."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from sandbox.trustpilot import auth, faults
from sandbox.trustpilot.errors import ApiError
from sandbox.trustpilot.models import BusinessUser, Faults


class SandboxView(View):
    """404 unless TRUSTDESK_SANDBOX is on, read per request so that settings overrides apply at once."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.TRUSTDESK_SANDBOX:
            raise Http404("The Trustpilot sandbox is off")
        self.admit(request)
        return super().dispatch(request, *args, **kwargs)

    def admit(self, request: HttpRequest) -> None:
        """Checks a subclass runs before its handler; raise to refuse the request."""


# JSON callers are programs holding credentials, not browsers holding a session: CSRF does not apply.
@method_decorator(csrf_exempt, name="dispatch")
class JsonView(SandboxView):
    """Views raise ApiError for any error answer, and it becomes Trustpilot's error JSON."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except ApiError as error:
            return error.response()


class ApiView(JsonView):
    """A /v1 call: latency, an injected failure, the application's credentials, the rate limit, then the view.

    Subclasses choose how the caller is identified.
    """

    api_key: str
    config: Faults

    def admit(self, request: HttpRequest) -> None:
        self.config = current = faults.faults_get()
        if current.latency_ms:
            time.sleep(current.latency_ms / 1000)
        failure = faults.injected_failure(current)
        if failure is not None:
            raise failure
        self.api_key = self.identify_application(request)
        limited = faults.rate_limited(current, api_key=self.api_key)
        if limited is not None:
            raise limited
        self.authenticate_user(request)

    def identify_application(self, request: HttpRequest) -> str:
        return auth.api_key_from_header(request)

    def authenticate_user(self, request: HttpRequest) -> None:
        return None


class PrivateApiView(ApiView):
    """/v1/private/...: the apikey header plus a valid Bearer access token."""

    user: BusinessUser

    def authenticate_user(self, request: HttpRequest) -> None:
        self.user = auth.bearer_user(request, api_key=self.api_key)


class ApplicationApiView(ApiView):
    """The OAuth token endpoints: the application authenticates with Basic auth or client_id/client_secret."""

    def identify_application(self, request: HttpRequest) -> str:
        return auth.application_from_credentials(request)
