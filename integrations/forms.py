"""Forms of the admin_ui pages: Zendesk's POST that opens them (reference §2), and the domains step."""

from __future__ import annotations

import fnmatch
import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from integrations.models import ChannelInstance

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# A browser reads "\" and other odd characters in a host differently from urlsplit: allow plain names only.
PLAIN_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
SUBDOMAIN = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
CURSOR = re.compile(r"^[0-9]{1,18}$")


def return_url_problem(url: str) -> str | None:
    """Why Zendesk's return_url is refused, or None: the finish page posts the metadata there."""
    parts = _split(url)
    host = (parts.hostname or "").lower() if parts else ""
    if parts is None or parts.scheme not in ("https", "http") or parts.username is not None or "\\" in url:
        return str(_("The return address from Zendesk is not a valid URL."))
    if host != "::1" and not PLAIN_HOST.match(host):
        return str(_("The return address from Zendesk is not a valid URL."))
    if parts.scheme == "http" and not (settings.DEBUG or host in LOOPBACK_HOSTS):
        return str(_("The return address from Zendesk must use https."))
    if not host_allowed(host):
        return str(_("The return address from Zendesk is not on a Zendesk host this TrustDesk accepts."))
    return None


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url.strip())
        if parts.port is not None and not 0 < parts.port < 65536:
            return None
    except ValueError:  # a malformed port or IPv6 address
        return None
    return parts


def host_allowed(host: str) -> bool:
    patterns = [pattern.lower() for pattern in settings.ZENDESK_RETURN_URL_HOSTS]
    return any(fnmatch.fnmatchcase(host.lower(), pattern) for pattern in patterns)


def cursor_or_empty(state: str) -> str:
    """Zendesk's state is TrustDesk's pull cursor (digits); anything else is dropped rather than echoed."""
    state = state.strip()
    return state if CURSOR.match(state) else ""


class ZendeskAdminForm(forms.Form):
    """What Zendesk posts to admin_ui when an admin adds or edits an account."""

    name = forms.CharField(max_length=255, required=False)
    metadata = forms.CharField(max_length=5000, required=False)
    state = forms.CharField(max_length=5000, required=False)
    return_url = forms.CharField(max_length=2000, error_messages={"required": _("Zendesk sent no return address.")})
    subdomain = forms.CharField(max_length=63, error_messages={"required": _("Zendesk sent no subdomain.")}, strip=True)
    locale = forms.CharField(max_length=16, required=False)
    instance_push_id = forms.CharField(max_length=255, required=False)
    zendesk_access_token = forms.CharField(max_length=4000, required=False)

    def clean_return_url(self) -> str:
        url: str = self.cleaned_data["return_url"].strip()
        problem = return_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url

    def clean_subdomain(self) -> str:
        subdomain: str = self.cleaned_data["subdomain"]
        if not SUBDOMAIN.match(subdomain):
            raise forms.ValidationError(_("The Zendesk subdomain may hold only letters, digits and hyphens."))
        return subdomain.lower()

    def clean_state(self) -> str:
        return cursor_or_empty(self.cleaned_data["state"])


SYNC_PERIODS = [
    (ChannelInstance.SyncPeriod.WEEK.value, _("Last 7 days")),
    (ChannelInstance.SyncPeriod.MONTH.value, _("Last 30 days")),
    (ChannelInstance.SyncPeriod.QUARTER.value, _("Last 90 days")),
    (ChannelInstance.SyncPeriod.YEAR.value, _("Last 365 days")),
]


class DomainsForm(forms.Form):
    """The domains step. The business units offered are those the signed-in Trustpilot user can access."""

    name = forms.CharField(max_length=255, label=_("Account name"))
    domains = forms.MultipleChoiceField(
        label=_("Domains"), error_messages={"required": _("Choose at least one domain.")}
    )
    sync_unanswered = forms.BooleanField(required=False, label=_("Sync unanswered reviews"))
    days = forms.TypedChoiceField(
        label=_("Period"), choices=SYNC_PERIODS, coerce=int, initial=ChannelInstance.SyncPeriod.MONTH.value
    )
    state = forms.CharField(max_length=18, required=False)

    def __init__(self, *args: Any, units: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        self.fields["domains"].choices = [(unit["id"], unit["name"]) for unit in units]  # type: ignore[attr-defined]

    def clean_state(self) -> str:
        return cursor_or_empty(self.cleaned_data["state"])

    def unit_rows(self) -> list[dict[str, Any]]:
        """The units as the template lists them, each marked checked from the submitted or initial choice."""
        chosen = set(self["domains"].value() or [])
        return [{**unit, "checked": unit["id"] in chosen} for unit in self.units]
