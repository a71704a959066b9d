"""The Trustpilot sign-in window (docs/trustpilot.md §2.1): /zendesk/admin_ui/connect sends it to Trustpilot,
/zendesk/admin_ui/callback takes the authorization code back. Business credentials only: TrustDesk
never offers Google sign-in, as Trustpilot's own Zendesk integration refuses it for security reasons.

The window connects nothing by itself: the callback keeps the grant for the setup page that opened
the window to claim (services/sign_in.py), and names the Zendesk account it is meant for.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from integrations.app_address import absolute
from integrations.forms import zendesk_host
from integrations.models import TrustpilotSignIn
from integrations.services.setup import SessionInvalid
from integrations.services.sign_in import (
    SIGN_IN_LIFETIME,
    SignInInvalid,
    sign_in_complete,
    sign_in_get,
    sign_in_start,
)
from integrations.views.admin_ui.pages import (
    SIGN_IN_EXPIRED,
    AdminUiView,
    Problem,
    language_for,
    page,
    problem_page,
    secure,
    sign_in_url,
)
from integrations.views.admin_ui.problems import BAD_STATE, sign_in_expired, sign_in_failed, sign_in_refused
from reviews.trustpilot import get_client
from reviews.trustpilot.errors import TrustpilotError

STATE_SALT = "trustdesk.zendesk.admin-ui.trustpilot-state"
COOKIE_SALT = "trustdesk.zendesk.admin-ui.trustpilot-sign-in-cookie"
COOKIE = "trustdesk_sign_in"


def callback_url() -> str:
    # Must be identical in the authorization request and the code exchange (docs/trustpilot.md §2.1).
    return absolute("zendesk:admin_ui_callback")


def state_for(sign_in: TrustpilotSignIn) -> str:
    return signing.TimestampSigner(salt=STATE_SALT).sign_object({"n": sign_in.nonce})


class ConnectView(AdminUiView):
    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            sign_in = sign_in_start(sign_in_key=request.GET.get("setup", ""))
        except SessionInvalid:
            return problem_page(request, SIGN_IN_EXPIRED)
        client = get_client()
        url = client.authorization_url(redirect_uri=callback_url(), state=state_for(sign_in))
        client.session.close()
        response = secure(HttpResponseRedirect(url), framed=False)
        response["Referrer-Policy"] = "no-referrer"
        # Whether Trustpilot sends `state` back is [UNCONFIRMED] (docs/trustpilot.md §2.1): this window also
        # keeps the sign-in in a first-party cookie (this is a top-level window, not Zendesk's iframe), sent back
        # to the callback only. Lax: Trustpilot's redirect to the callback is a top-level GET from another site.
        response.set_cookie(
            COOKIE,
            signing.TimestampSigner(salt=COOKIE_SALT).sign(sign_in.nonce),
            max_age=int(SIGN_IN_LIFETIME.total_seconds()),
            path=reverse("zendesk:admin_ui_callback"),
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
        return response


def sign_in_nonce(request: HttpRequest) -> str | Problem:
    """Which sign-in Trustpilot sent this window back for: the signed `state` when Trustpilot echoes it,
    else the cookie set when the window went to Trustpilot ([UNCONFIRMED] docs/trustpilot.md §2.1, the one place
    that decides)."""
    max_age = SIGN_IN_LIFETIME
    state = request.GET.get("state", "")
    if state:
        signer = signing.TimestampSigner(salt=STATE_SALT)
        try:
            value: Any = signer.unsign_object(state, max_age=max_age)
        except signing.SignatureExpired:
            return _expired(signer.unsign_object(state))
        except signing.BadSignature:
            return BAD_STATE
        nonce = value.get("n") if isinstance(value, dict) else None
        return nonce if isinstance(nonce, str) else BAD_STATE
    try:
        return signing.TimestampSigner(salt=COOKIE_SALT).unsign(request.COOKIES.get(COOKIE, ""), max_age=max_age)
    except signing.BadSignature:  # missing, forged or expired
        return BAD_STATE


def _expired(value: Any) -> Problem:
    nonce = value.get("n") if isinstance(value, dict) else None
    sign_in = TrustpilotSignIn.objects.select_related("session").filter(nonce=nonce).first() if nonce else None
    return sign_in_expired(sign_in_url(sign_in.session) if sign_in else "")


class CallbackView(AdminUiView):
    def get(self, request: HttpRequest) -> HttpResponse:
        nonce = sign_in_nonce(request)
        if isinstance(nonce, Problem):
            return self.done(problem_page(request, nonce))
        try:
            sign_in = sign_in_get(nonce=nonce)
        except SignInInvalid:
            return self.done(problem_page(request, SIGN_IN_EXPIRED))
        return self.done(self.signed_in(request, sign_in))

    def signed_in(self, request: HttpRequest, sign_in: TrustpilotSignIn) -> HttpResponse:
        session = sign_in.session
        retry = sign_in_url(session)
        error, code = request.GET.get("error", ""), request.GET.get("code", "")
        if error or not code:
            return problem_page(request, sign_in_refused(retry, denied=error == "access_denied"), session=session)
        try:
            grant = sign_in_complete(sign_in=sign_in, code=code, redirect_uri=callback_url())
        except TrustpilotError as exc:
            return problem_page(request, sign_in_failed(exc, retry), session=session)
        except SignInInvalid:
            return problem_page(request, SIGN_IN_EXPIRED, session=session)
        context = {"grant": grant, "session": session, "zendesk_host": zendesk_host(session.subdomain)}
        return page(request, "admin_ui/signed_in.html", context, language=language_for(session.locale), framed=False)

    @staticmethod
    def done(response: HttpResponse) -> HttpResponse:
        response.delete_cookie(COOKIE, path=reverse("zendesk:admin_ui_callback"), samesite="Lax")
        return response
