"""What the admin_ui pages say when something went wrong with Trustpilot or with a typed domain."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.views.admin_ui.pages import Problem
from reviews.services.signin import DomainCheck, DomainProblem
from reviews.trustpilot.errors import BadRequest, TrustpilotError

BAD_STATE = Problem(
    status=400,
    title=_("This sign-in cannot be matched to a setup"),
    message=_(
        "Trustpilot sent this window back without a sign-in that a TrustDesk setup started in this browser. "
        "Nothing was connected. Close this window and click Connect Trustpilot again on the setup page in Zendesk."
    ),
    popup=True,
)


def domain_problem(check: DomainCheck) -> str:
    """In the language active now: call it under the setup's language."""
    if check.problem == DomainProblem.NOT_ON_TRUSTPILOT:
        return gettext("%(domain)s: Trustpilot has no business profile for this domain.") % {"domain": check.domain}
    if check.problem == DomainProblem.NOT_YOURS:
        return gettext("%(domain)s: your Trustpilot login has no access to this domain's reviews.") % {
            "domain": check.domain
        }
    return gettext("%(domain)s is not a domain name.") % {"domain": check.domain}


def trustpilot_unavailable(exc: TrustpilotError) -> Problem:
    return Problem(
        status=502,
        title=_("Trustpilot is not answering right now"),
        message=_("Nothing was saved. Try again in a few minutes."),
        details=[exc.message],
    )


def sign_in_refused(retry: str, *, denied: bool) -> Problem:
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


def sign_in_failed(exc: TrustpilotError, retry: str) -> Problem:
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


def sign_in_expired(retry: str) -> Problem:
    return Problem(
        status=400,
        title=_("This sign-in link has expired"),
        message=_("Trustpilot sign-ins must be completed within 30 minutes. Start again to sign in once more."),
        action_url=retry,
        action_label=_("Start again"),
        popup=True,
    )
