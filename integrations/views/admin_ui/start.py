"""POST /zendesk/admin_ui: Zendesk opens the account page in its iframe, on "Add account" or edit
(docs/zendesk.md §2.1)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from integrations.app_address import account_for_secret, refusal_record
from integrations.forms import ZendeskAdminForm
from integrations.metadata import InvalidMetadata, instance_for_setup
from integrations.models import ChannelInstance
from integrations.services.push_token import PushTokenCheck, push_token_check
from integrations.services.setup import session_resume, session_start
from integrations.views.admin_ui.domains import connect_page, domains_page
from integrations.views.admin_ui.pages import (
    APP_ADDRESS_REQUIRED,
    UNKNOWN_APP_ADDRESS,
    AdminUiView,
    Problem,
    language_for,
    problem_page,
)

logger = logging.getLogger(__name__)

BAD_METADATA = Problem(
    status=401,
    title=_("TrustDesk does not recognise this account"),
    message=_(
        "Zendesk sent account details that TrustDesk did not sign, that belong to another Zendesk account, "
        "or that were replaced when the account was disconnected. Remove the account in Zendesk and add it again."
    ),
)
WRONG_ACCOUNT = Problem(
    status=403,
    title=_("This app belongs to another Zendesk account"),
    message=_(
        "TrustDesk built this app for another Zendesk account than the one that opened this page, so it will not "
        "open the setup. Install the app TrustDesk builds for this Zendesk account (Zendesk app page in "
        "TrustDesk's admin)."
    ),
)
BAD_PUSH_TOKEN = Problem(
    status=403,
    title=_("Zendesk did not confirm this request"),
    message=_(
        "Zendesk says the access token sent with this page is not valid for this account, so TrustDesk will not "
        "open the setup. Close the page and open the account again from Zendesk's Admin Center."
    ),
)


class AdminUiStartView(AdminUiView):
    def post(self, request: HttpRequest, secret: str) -> HttpResponse:
        language = language_for(request.POST.get("locale", ""))
        account = account_for_secret(secret)
        if account is None:
            refusal_record(endpoint="admin_ui", code="unknown_app_address")
            return problem_page(request, UNKNOWN_APP_ADDRESS, language=language)
        form = ZendeskAdminForm(request.POST)
        with translation.override(language):
            if not form.is_valid():
                return problem_page(request, _bad_request(form), language=language)
        data: dict[str, Any] = form.cleaned_data
        if data["subdomain"] != account.subdomain:
            logger.warning("admin_ui for %s at the address of %s refused", data["subdomain"], account.subdomain)
            reason = f"posted for {data['subdomain']}, at the address of {account.subdomain}"
            refusal_record(endpoint="admin_ui", code="wrong_zendesk_account", reason=reason, account=account)
            return problem_page(request, WRONG_ACCOUNT, language=language)
        instance = None
        if data["metadata"]:
            instance = _instance_or_none(data["metadata"], subdomain=data["subdomain"])
            if instance is None:
                return problem_page(request, BAD_METADATA, language=language)
        if data["zendesk_access_token"] and not _push_token_accepted(data):
            return problem_page(request, BAD_PUSH_TOKEN, language=language)
        session = session_start(
            subdomain=data["subdomain"],
            return_url=data["return_url"],
            locale=data["locale"],
            name=data["name"],
            cursor=data["state"],
            instance=instance,
            instance_push_id=data["instance_push_id"],
            push_token=data["zendesk_access_token"],
        )
        if instance is not None and session_resume(session=session):
            return domains_page(request, session)
        reconnect = instance is not None and instance.trustpilot_account is not None
        return connect_page(request, session, reconnect=reconnect)


class AppAddressRequiredPage(AdminUiView):
    """admin_ui and about at the un-keyed addresses of apps built before each account's secret."""

    def get(self, request: HttpRequest, *args: Any) -> HttpResponse:
        language = language_for(request.POST.get("locale", "") or request.GET.get("locale", ""))
        refusal_record(endpoint=request.path.rsplit("/", 1)[-1], code="app_address_required")
        return problem_page(request, APP_ADDRESS_REQUIRED, language=language)

    post = get


def _instance_or_none(metadata: str, *, subdomain: str) -> ChannelInstance | None:
    try:
        return instance_for_setup(metadata, subdomain=subdomain)
    except InvalidMetadata:
        return None


def _push_token_accepted(data: dict[str, Any]) -> bool:
    """Zendesk's push token proves the request came from that Zendesk account; an unreachable Zendesk
    does not block the setup (the token is checked again by every push)."""
    check = push_token_check(
        subdomain=data["subdomain"], instance_push_id=data["instance_push_id"], token=data["zendesk_access_token"]
    )
    return check != PushTokenCheck.INVALID


def _bad_request(form: ZendeskAdminForm) -> Problem:
    details = [str(error) for errors in form.errors.values() for error in errors]
    return Problem(
        status=400,
        title=_("Zendesk's request cannot be used"),
        message=_("TrustDesk cannot open the account page from this request. Close it and try again from Zendesk."),
        details=details,
    )
