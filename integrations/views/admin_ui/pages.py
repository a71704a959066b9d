"""What every admin_ui page shares: its language, its security headers, the session key, and error pages."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from integrations.forms import LOOPBACK_HOSTS

R = TypeVar("R", bound=HttpResponse)
TEMPLATES = "integrations/"
FNMATCH_WILDCARD = re.compile(r"[*?\[\]]")
CSP_HOST = re.compile(r"^(\*\.)?[a-z0-9.:-]+$|^\*$")


def language_for(locale: str) -> str:
    """French for any French locale Zendesk sends (fr, fr-FR, fr-CA…), English for everything else."""
    primary = locale.strip().replace("_", "-").split("-")[0].lower()
    return "fr" if primary == "fr" else "en"


def flow_url(view_name: str, *, session: str, state: str = "") -> str:
    """A page of this setup: the session key travels in the URL because the iframe has no cookies."""
    query = {"session": session, **({"state": state} if state else {})}
    return f"{reverse(view_name)}?{urlencode(query)}"


def frame_ancestors() -> str:
    """CSP sources for the Zendesk hosts that may frame these pages, from ZENDESK_RETURN_URL_HOSTS."""
    sources: list[str] = []
    for pattern in settings.ZENDESK_RETURN_URL_HOSTS:
        host = _csp_host(pattern.strip().lower())
        if not CSP_HOST.match(host):
            continue
        if host == "*":
            sources.append("https:")
        elif host in LOOPBACK_HOSTS:
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


def secure(response: R, nonce: str = "") -> R:
    scripts = f"'nonce-{nonce}'" if nonce else "'none'"
    # The connect step's script asks TrustDesk's own status endpoint whether the sign-in came back.
    fetches = "'self'" if nonce else "'none'"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {scripts}; style-src {scripts}; connect-src {fetches}; "
        "img-src 'self' data:; "
        f"base-uri 'none'; frame-ancestors {frame_ancestors()}"
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
    request: HttpRequest, template: str, context: dict[str, Any], *, language: str, status: int = 200
) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    with translation.override(language):
        response = render(request, TEMPLATES + template, {**context, "nonce": nonce}, status=status)
    secure(response, nonce)
    response["Content-Language"] = language
    return response


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


def problem_page(request: HttpRequest, problem: Problem, *, language: str = "") -> HttpResponse:
    language = language or language_for(translation.get_language() or "")
    return page(request, "admin_ui/problem.html", {"problem": problem}, language=language, status=problem.status)


SESSION_EXPIRED = Problem(
    status=403,
    title=_("This page has expired"),
    message=_(
        "For your security, the setup page is valid for one hour and for one save only. "
        "Close it and open the account again from Zendesk (Admin Center, Channels, Trustpilot)."
    ),
)
SESSION_MISSING = Problem(
    status=403,
    title=_("Request refused"),
    message=_(
        "This form was sent without its setup key, so TrustDesk refused it. "
        "Open the account again from Zendesk (Admin Center, Channels, Trustpilot)."
    ),
)


# Django's CSRF check needs a cookie, and browsers drop cookies in a third-party iframe, which is where
# Zendesk shows these pages: the check would refuse every form. Instead, each setup's session key (a
# 256-bit secret that only this setup's pages carry) must come in the body of every POST and name an
# unexpired, unspent session; that is what makes a forged cross-site form fail.
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
