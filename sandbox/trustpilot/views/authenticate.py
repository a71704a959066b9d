"""The browser sign-in page that stands in for authenticate.trustpilot.com (docs/trustpilot.md §2.1).

Business email and password only: Trustpilot's Zendesk integration refuses Google sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render

from sandbox.trustpilot import auth, faults, oauth, seed
from sandbox.trustpilot.forms import SignInForm
from sandbox.trustpilot.models import BusinessUser, Faults
from sandbox.trustpilot.views.base import SandboxView

TEMPLATE = "trustpilot_sandbox/authenticate.html"
ERROR_TEMPLATE = "trustpilot_sandbox/error.html"


class InvalidSignInLink(ValueError):
    """The sign-in link is not one a registered API application could have sent."""


@dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    state: str | None
    # Trustpilot's docs do not promise that state comes back (docs/trustpilot.md §2.1): Faults.echo_state decides.
    echo_state: bool = True

    @property
    def redirect_host(self) -> str:
        return urlsplit(self.redirect_uri).netloc

    def redirect(self, **params: str) -> HttpResponseRedirect:
        """Back to the app, keeping redirect_uri's own query and echoing `state` untouched when one was sent
        (and echo_state is on)."""
        parts = urlsplit(self.redirect_uri)
        query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
        if self.state is not None and self.echo_state:
            query.append(("state", self.state))
        return HttpResponseRedirect(urlunsplit(parts._replace(query=urlencode(query))))


def parse_authorize_request(params: QueryDict, *, echo_state: bool = True) -> AuthorizeRequest:
    if params.get("client_id") != auth.API_KEY:
        raise InvalidSignInLink("Unknown client_id: no API application has this key.")
    redirect_uri = params.get("redirect_uri", "").strip()
    if not redirect_uri:
        raise InvalidSignInLink("redirect_uri is missing.")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidSignInLink("redirect_uri must be an absolute http or https URL.")
    if not redirect_host_registered(parts.hostname or ""):
        raise InvalidSignInLink(
            "redirect_uri is not registered for this API application: the sandbox accepts the host of "
            "TRUSTDESK_PUBLIC_URL and loopback addresses, as Trustpilot accepts only registered URIs."
        )
    if params.get("response_type", "code") != "code":
        raise InvalidSignInLink("Only response_type=code is supported.")
    return AuthorizeRequest(
        client_id=auth.API_KEY, redirect_uri=redirect_uri, state=params.get("state"), echo_state=echo_state
    )


def redirect_host_registered(host: str) -> bool:
    own = urlsplit(settings.TRUSTDESK_PUBLIC_URL).hostname
    return host.lower() in {own, "localhost", "127.0.0.1", "::1"}


class AuthenticateView(SandboxView):
    config: Faults

    def admit(self, request: HttpRequest) -> None:
        self.config = faults.faults_get()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        # Apps open this sign-in in a popup and hear back through window.opener, as TrustDesk's admin_ui
        # does; Django's default Cross-Origin-Opener-Policy (same-origin) would cut that link. Whether
        # Trustpilot's real page cuts it is unknown, so Faults.strict_opener_policy can.
        strict = self.config.strict_opener_policy
        response["Cross-Origin-Opener-Policy"] = "same-origin" if strict else "unsafe-none"
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            link = parse_authorize_request(request.GET, echo_state=self.config.echo_state)
        except InvalidSignInLink as problem:
            return render(request, ERROR_TEMPLATE, {"problem": str(problem)}, status=400)
        return self.page(request, link, SignInForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            link = parse_authorize_request(request.GET, echo_state=self.config.echo_state)
        except InvalidSignInLink as problem:
            return render(request, ERROR_TEMPLATE, {"problem": str(problem)}, status=400)
        if request.POST.get("action") == "deny":
            return link.redirect(error="access_denied")
        form = SignInForm(request.POST)
        if form.is_valid():
            user = oauth.user_authenticate(email=form.cleaned_data["email"], password=form.cleaned_data["password"])
            if user is not None:
                code = oauth.code_issue(user=user, api_key=link.client_id, redirect_uri=link.redirect_uri)
                return link.redirect(code=code.code)
            form.add_error(None, "Wrong email or password. Check them and try again.")
        return self.page(request, link, form)

    def page(self, request: HttpRequest, link: AuthorizeRequest, form: SignInForm) -> HttpResponse:
        demo = BusinessUser.objects.filter(email=seed.DEMO_EMAIL).exists()
        context = {
            "form": form,
            "client_id": link.client_id,
            "redirect_host": link.redirect_host,
            "demo_email": seed.DEMO_EMAIL if demo else "",
            "demo_password": seed.DEMO_PASSWORD,
        }
        return render(request, TEMPLATE, context)
