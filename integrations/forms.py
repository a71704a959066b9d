"""Forms of the admin_ui pages: Zendesk's POST that opens them (docs/zendesk.md §2.1), and the domains step."""

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


def is_loopback(host: str) -> bool:
    """Loopback addresses, and names under .localhost, which browsers resolve to loopback (RFC 6761)."""
    return host in LOOPBACK_HOSTS or host.endswith(".localhost")


def return_url_problem(url: str, *, subdomain: str) -> str | None:
    """Why Zendesk's return_url is refused, or None: the finish page posts the metadata there.

    It must be on the host of the Zendesk account that opened the page: metadata handed to another
    account's return_url would let that account reach this one's reviews.
    """
    parts = _split(url)
    host = (parts.hostname or "").lower() if parts else ""
    if parts is None or parts.scheme not in ("https", "http") or parts.username is not None or "\\" in url:
        return str(_("The return address from Zendesk is not a valid URL."))
    if host != "::1" and not PLAIN_HOST.match(host):
        return str(_("The return address from Zendesk is not a valid URL."))
    if parts.scheme == "http" and not (settings.DEBUG or is_loopback(host)):
        return str(_("The return address from Zendesk must use https."))
    if not host_allowed(host, subdomain=subdomain):
        return str(
            _("The return address from Zendesk is not on the Zendesk account %(host)s.")
            % {"host": zendesk_host(subdomain)}
        )
    return None


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url.strip())
        if parts.port is not None and not 0 < parts.port < 65536:
            return None
    except ValueError:  # a malformed port or IPv6 address
        return None
    return parts


def host_patterns(subdomain: str) -> list[str]:
    """ZENDESK_RETURN_URL_HOSTS for one Zendesk account; "*" stands for any account."""
    return [p.lower().replace("{subdomain}", subdomain.lower()) for p in settings.ZENDESK_RETURN_URL_HOSTS]


def host_allowed(host: str, *, subdomain: str) -> bool:
    if not SUBDOMAIN.match(subdomain):
        return False
    return any(fnmatch.fnmatchcase(host.lower(), pattern) for pattern in host_patterns(subdomain))


def zendesk_host(subdomain: str) -> str:
    """How admins know their Zendesk account: acme.zendesk.com."""
    return f"{subdomain}.zendesk.com"


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

    def clean_subdomain(self) -> str:
        subdomain: str = self.cleaned_data["subdomain"]
        if not SUBDOMAIN.match(subdomain):
            raise forms.ValidationError(_("The Zendesk subdomain may hold only letters, digits and hyphens."))
        return subdomain.lower()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        url, subdomain = data.get("return_url", "").strip(), data.get("subdomain")
        if url and subdomain:
            problem = return_url_problem(url, subdomain=subdomain)
            if problem:
                self.add_error("return_url", problem)
            else:
                data["return_url"] = url
        return data

    def clean_state(self) -> str:
        return cursor_or_empty(self.cleaned_data["state"])


SYNC_PERIODS = [
    (ChannelInstance.SyncPeriod.WEEK.value, _("Last 7 days")),
    (ChannelInstance.SyncPeriod.MONTH.value, _("Last 30 days")),
    (ChannelInstance.SyncPeriod.QUARTER.value, _("Last 90 days")),
    (ChannelInstance.SyncPeriod.YEAR.value, _("Last 365 days")),
]


MAX_TYPED_DOMAINS = 20


class DomainsForm(forms.Form):
    """The domains step. The business units offered are those the signed-in Trustpilot user can access;
    when Trustpilot would not list them, the admin types their domains instead (`typed`)."""

    name = forms.CharField(max_length=255, label=_("Account name"))
    domains = forms.MultipleChoiceField(label=_("Domains"), required=False)
    typed = forms.CharField(label=_("Your Trustpilot domains"), required=False, max_length=2000)
    sync_unanswered = forms.BooleanField(required=False, label=_("Sync unanswered reviews"))
    days = forms.TypedChoiceField(
        label=_("Period"), choices=SYNC_PERIODS, coerce=int, initial=ChannelInstance.SyncPeriod.MONTH.value
    )

    def __init__(self, *args: Any, units: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        self.fields["domains"].choices = [(unit["id"], unit["name"]) for unit in units]  # type: ignore[attr-defined]

    def clean_typed(self) -> list[str]:
        """One domain per line (or separated by commas or spaces), each once, in the order typed."""
        words = re.split(r"[\s,;]+", self.cleaned_data["typed"])
        typed = list(dict.fromkeys(word for word in words if word))
        if len(typed) > MAX_TYPED_DOMAINS:
            raise forms.ValidationError(_("Type at most %(count)d domains.") % {"count": MAX_TYPED_DOMAINS})
        return typed

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not self.errors and not data.get("domains") and not data.get("typed"):
            self.add_error("domains", _("Choose at least one domain."))
        return data

    def unit_rows(self) -> list[dict[str, Any]]:
        """The units as the template lists them, each marked checked from the submitted or initial choice."""
        chosen = set(self["domains"].value() or [])
        return [{**unit, "checked": unit["id"] in chosen} for unit in self.units]
