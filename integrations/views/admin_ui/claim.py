"""POST /zendesk/admin_ui/claim: the setup page claims the Trustpilot grant its sign-in window brought back.

The window hands the page a claim code through postMessage (same browser, origin-checked), or shows a
short code for the admin to type when it lost its opener. Only this setup's page holds the setup key
the claim needs; the claim replaces that key.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations.services.setup import SessionInvalid
from integrations.services.sign_in import ClaimRefused, sign_in_claim
from integrations.views.admin_ui.domains import connect_page, domains_page
from integrations.views.admin_ui.pages import SESSION_EXPIRED, AdminUiView, language_for, posted_session, problem_page


class ClaimView(AdminUiView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        session = posted_session(request)
        if isinstance(session, HttpResponse):
            return session
        try:
            session = sign_in_claim(session=session, code=request.POST.get("code", ""))
        except SessionInvalid:
            return problem_page(request, SESSION_EXPIRED, session=session)
        except ClaimRefused as refusal:
            with translation.override(language_for(session.locale)):
                code_error = _refusal(refusal)
            return connect_page(
                request,
                session,
                reconnect=session.trustpilot_account is not None,
                code_error=code_error,
                status=400,
            )
        return domains_page(request, session)


def _refusal(refusal: ClaimRefused) -> str:
    if refusal.attempts_left <= 0:
        return _(
            "No Trustpilot sign-in is waiting for this page, or too many wrong codes were typed. "
            "Click Connect Trustpilot to sign in again."
        )
    return ngettext(
        "This code does not match the Trustpilot window's. Check it and try again (%(count)d more try).",
        "This code does not match the Trustpilot window's. Check it and try again (%(count)d more tries).",
        refusal.attempts_left,
    ) % {"count": refusal.attempts_left}
