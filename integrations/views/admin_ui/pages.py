"""What every admin_ui page shares: its language, its security headers, the session key, and error pages."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from integrations.forms import host_patterns, is_loopback, zendesk_host
from integrations.models import SetupSession
from integrations.services.setup import SessionInvalid, session_get

R = TypeVar("R", bound=HttpResponse)
TEMPLATES = "integrations/"
FNMATCH_WILDCARD = re.compile(r"[*?\[\]]")
CSP_HOST = re.compile(r"^(\*\.)?[a-z0-9.:-]+$|^\*$")


def language_for(locale: str) -> str:
    """French for any French locale Zendesk sends (fr, fr-FR, fr-CA…), English for everything else."""
    primary = locale.strip().replace("_", "-").split("-")[0].lower()
    return "fr" if primary == "fr" else "en"


def sign_in_url(session: SetupSession) -> str:
    """Opens a Trustpilot sign-in for this setup. Its key can do nothing else, so it may travel in a URL
    (and a log); the setup's own key never does."""
    return f"{reverse('zendesk:admin_ui_connect')}?{urlencode({'setup': session.sign_in_key})}"


def frame_ancestors(subdomain: str = "*") -> str:
    """CSP sources for the Zendesk pages that may frame these pages: ZENDESK_RETURN_URL_HOSTS for the
    setup's own Zendesk account, or for any account ("*") before the account is known."""
    sources: list[str] = []
    for pattern in host_patterns(subdomain):
        host = _csp_host(pattern.strip().lower())
        if not CSP_HOST.match(host):
            continue
        if host == "*":
            sources.append("https:")
        elif is_loopback(host) or host == "*.localhost":
            bracketed = "[::1]" if host == "::1" else host
            sources += [f"http://{bracketed}:*", f"https://{bracketed}:*"]
        else:
            sources.append(f"https://{host}")
    return " ".join(dict.fromkeys(sources)) or "'none'"


def _csp_host(pattern: str) -> str:
    """CSP allows a wildcard only as the first label: widen "acme-*.zendesk.com" to "*.zendesk.com"."""
    labels = pattern.split(".")
    wild = [index for index, label in enumerate(labels) if FNMATCH_WILDCARD.search(label)]
    if not wild:
        return pattern
    rest = labels[wild[-1] + 1 :]
    return "*." + ".".join(rest) if rest else "*"


def secure(response: R, nonce: str = "", *, subdomain: str = "*", framed: bool = True) -> R:
    """Security headers of every admin_ui page. `framed`: shown in Zendesk's iframe, by the Zendesk account
    `subdomain` only; the Trustpilot sign-in window's pages are top-level and may be framed by nobody."""
    scripts = f"'nonce-{nonce}'" if nonce else "'none'"
    ancestors = frame_ancestors(subdomain) if framed else "'none'"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {scripts}; style-src {scripts}; connect-src 'none'; "
        "img-src 'self' data:; "
        f"base-uri 'none'; frame-ancestors {ancestors}"
    )
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    # The Trustpilot sign-in runs in a popup whose opener is this page inside Zendesk's iframe, under a
    # Zendesk top-level page of another origin. SecurityMiddleware's default "same-origin" would put the
    # popup in a new browsing context group with no window.opener: the callback page could neither tell
    # the setup page to go on nor close itself. (Ignored in iframes, so no weaker there.)
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    # Zendesk shows these pages in its iframe: frame-ancestors says who may, instead of X-Frame-Options DENY.
    response.xframe_options_exempt = True
    return response


def page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    language: str,
    status: int = 200,
    subdomain: str = "*",
    framed: bool = True,
) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    with translation.override(language):
        response = render(request, TEMPLATES + template, {**context, "nonce": nonce}, status=status)
    secure(response, nonce, subdomain=subdomain, framed=framed)
    response["Content-Language"] = language
    return response


def setup_page(
    request: HttpRequest, session: SetupSession, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A page of this setup, in its admin's language, framed only by its own Zendesk account."""
    context = {**context, "session": session, "zendesk_host": zendesk_host(session.subdomain)}
    language = language_for(session.locale)
    return page(request, template, context, language=language, status=status, subdomain=session.subdomain)


@dataclass(frozen=True)
class Problem:
    """An error page: what went wrong, what to do, and a way back when there is one."""

    status: int
    title: str | Promise
    message: str | Promise
    details: list[str] = field(default_factory=list)
    action_url: str = ""
    action_label: str | Promise = ""
    popup: bool = False  # shown in the Trustpilot sign-in window: offer to close it


def problem_page(
    request: HttpRequest, problem: Problem, *, language: str = "", session: SetupSession | None = None
) -> HttpResponse:
    if session is not None:
        language = language or language_for(session.locale)
    language = language or language_for(translation.get_language() or "")
    subdomain = session.subdomain if session is not None else "*"
    context = {"problem": problem, "zendesk_host": zendesk_host(session.subdomain) if session else ""}
    return page(
        request,
        "admin_ui/problem.html",
        context,
        language=language,
        status=problem.status,
        subdomain=subdomain,
        framed=not problem.popup,
    )


SESSION_EXPIRED = Problem(
    status=403,
    title=_("This page has expired"),
    message=_(
        "For your security, the setup page is valid for one hour and for one save only. "
        "Close it and open the account again from Zendesk (Admin Center, Channels, Trustpilot)."
    ),
)
SIGN_IN_EXPIRED = Problem(
    status=403,
    title=_("This sign-in window has expired"),
    message=_(
        "The setup it was opened for is over or was replaced. Close this window and click Connect Trustpilot "
        "again on the setup page in Zendesk."
    ),
    popup=True,
)
SESSION_MISSING = Problem(
    status=403,
    title=_("Request refused"),
    message=_(
        "This form was sent without its setup key, so TrustDesk refused it. "
        "Open the account again from Zendesk (Admin Center, Channels, Trustpilot)."
    ),
)


APP_ADDRESS_REQUIRED = Problem(
    status=410,
    title=_("This Zendesk app is out of date"),
    message=_(
        "TrustDesk's addresses now carry a secret of each Zendesk account, and this app was built without one. "
        "A TrustDesk admin downloads the Zendesk app for this Zendesk account from TrustDesk's admin (Zendesk app "
        "page); a Zendesk admin uploads and installs it in place of this one."
    ),
)
UNKNOWN_APP_ADDRESS = Problem(
    status=404,
    title=_("TrustDesk does not know this app"),
    message=_(
        "No Zendesk account has the address this app calls: it is wrong or was replaced. A TrustDesk admin "
        "downloads the Zendesk app for this Zendesk account again (Zendesk app page in TrustDesk's admin); a Zendesk "
        "admin uploads and installs it in place of this one."
    ),
)


def posted_session(request: HttpRequest) -> SetupSession | HttpResponse:
    """The open setup whose key this POST carries in its body, or the page that refuses the request."""
    key = request.POST.get("session", "")
    if not key:
        return problem_page(request, SESSION_MISSING)
    try:
        return session_get(key=key)
    except SessionInvalid:
        return problem_page(request, SESSION_EXPIRED)


# Django's CSRF check needs a cookie, and browsers drop cookies in a third-party iframe, which is where
# Zendesk shows these pages: the check would refuse every form. Instead, each setup's session key (a
# 256-bit secret that only this setup's page holds, in its forms, never in a URL) must come in the body
# of every POST and name an unexpired, unspent session; that is what makes a forged cross-site form fail.
@method_decorator(csrf_exempt, name="dispatch")
class AdminUiView(View):
    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        problem = Problem(
            status=405,
            title=_("Open this page from Zendesk"),
            message=_("Add or edit the Trustpilot account from Zendesk's Admin Center, under Channels."),
        )
        response = problem_page(request, problem)
        response["Allow"] = ", ".join(method.upper() for method in self.http_method_names if hasattr(self, method))
        return response
