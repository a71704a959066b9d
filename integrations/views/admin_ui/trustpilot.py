"""The Trustpilot sign-in (reference §1.3): /zendesk/admin_ui/connect sends the browser to Trustpilot,
/zendesk/admin_ui/callback takes the authorization code back. Business credentials only: TrustDesk
never offers Google sign-in, as Trustpilot's own Zendesk integration refuses it for security reasons."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from integrations.forms import cursor_or_empty
from integrations.manifest import absolute
from integrations.models import SetupSession
from integrations.services.setup import SESSION_LIFETIME, SessionInvalid, session_get, session_sign_in
from integrations.views.admin_ui.pages import (
    SESSION_EXPIRED,
    AdminUiView,
    Problem,
    flow_url,
    language_for,
    page,
    problem_page,
    secure,
)
from reviews.trustpilot import get_client
from reviews.trustpilot.errors import BadRequest, TrustpilotError

STATE_SALT = "trustdesk.zendesk.admin-ui.trustpilot-state"

BAD_STATE = Problem(
    status=400,
    title=_("This sign-in link is not valid"),
    message=_(
        "Trustpilot sent TrustDesk back a sign-in that does not belong to a setup started here. "
        "Close this window and click Connect Trustpilot again in Zendesk."
    ),
    popup=True,
)


def callback_url() -> str:
    # Must be identical in the authorization request and the code exchange (reference §1.3).
    return absolute("zendesk:admin_ui_callback")


def state_for(session: SetupSession, cursor: str) -> str:
    """Binds the Trustpilot sign-in to this setup: the callback accepts only a state TrustDesk signed."""
    return signing.TimestampSigner(salt=STATE_SALT).sign_object({"session": session.key, "state": cursor})


class ConnectView(AdminUiView):
    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            session = session_get(key=request.GET.get("session", ""))
        except SessionInvalid:
            return problem_page(request, SESSION_EXPIRED)
        state = state_for(session, cursor_or_empty(request.GET.get("state", "")))
        client = get_client()
        url = client.authorization_url(redirect_uri=callback_url(), state=state)
        client.session.close()
        response = secure(HttpResponseRedirect(url))
        # The setup key is in this page's URL: never send it to Trustpilot as a referrer.
        response["Referrer-Policy"] = "no-referrer"
        return response


class CallbackView(AdminUiView):
    def get(self, request: HttpRequest) -> HttpResponse:
        signer = signing.TimestampSigner(salt=STATE_SALT)
        signed = request.GET.get("state", "")
        try:
            value: Any = signer.unsign_object(signed, max_age=SESSION_LIFETIME)
        except signing.SignatureExpired:
            return problem_page(request, _expired_sign_in(signer.unsign_object(signed)))
        except signing.BadSignature:
            return problem_page(request, BAD_STATE)
        if not isinstance(value, dict) or not isinstance(value.get("session"), str):
            return problem_page(request, BAD_STATE)
        try:
            session = session_get(key=value["session"])
        except SessionInvalid:
            return problem_page(request, SESSION_EXPIRED)
        return self.signed_in(request, session, cursor_or_empty(str(value.get("state", ""))))

    def signed_in(self, request: HttpRequest, session: SetupSession, cursor: str) -> HttpResponse:
        language = language_for(session.locale)
        retry = flow_url("zendesk:admin_ui_connect", session=session.key, state=cursor)
        error = request.GET.get("error", "")
        code = request.GET.get("code", "")
        if error or not code:
            return problem_page(request, _refused(retry, denied=error == "access_denied"), language=language)
        try:
            account = session_sign_in(session=session, code=code, redirect_uri=callback_url())
        except TrustpilotError as exc:
            return problem_page(request, _trustpilot_failed(exc, retry), language=language)
        context = {
            "session": session,
            "account": account,
            "units": session.business_units,
            "next_url": flow_url("zendesk:admin_ui_domains", session=session.key, state=cursor),
        }
        return page(request, "admin_ui/connected.html", context, language=language)


def _expired_sign_in(value: Any) -> Problem:
    value = value if isinstance(value, dict) else {}
    key, cursor = value.get("session"), cursor_or_empty(str(value.get("state", "")))
    url = flow_url("zendesk:admin_ui_connect", session=key, state=cursor) if isinstance(key, str) else ""
    return Problem(
        status=400,
        title=_("This sign-in link has expired"),
        message=_("Trustpilot sign-ins must be completed within an hour. Start again to sign in once more."),
        action_url=url,
        action_label=_("Start again"),
        popup=True,
    )


def _refused(retry: str, *, denied: bool) -> Problem:
    return Problem(
        status=403 if denied else 400,
        title=_("The Trustpilot sign-in was refused") if denied else _("The Trustpilot sign-in did not finish"),
        message=_(
            "TrustDesk needs access to your Trustpilot Business account to bring its reviews into Zendesk. "
            "Sign in with your Trustpilot Business email and password, and allow access."
        ),
        action_url=retry,
        action_label=_("Try again"),
        popup=True,
    )


def _trustpilot_failed(exc: TrustpilotError, retry: str) -> Problem:
    if isinstance(exc, BadRequest):
        message = _("Trustpilot did not accept this sign-in; it may have been used already or be too old.")
    else:
        message = _("Trustpilot is not answering right now. Nothing was saved; try again in a few minutes.")
    return Problem(
        status=502,
        title=_("TrustDesk could not finish the Trustpilot sign-in"),
        message=message,
        details=[exc.message],
        action_url=retry,
        action_label=_("Try again"),
        popup=True,
    )
