"""POST /zendesk/admin_ui: Zendesk opens the account page in its iframe, on "Add account" or edit (reference §2)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from integrations.forms import ZendeskAdminForm
from integrations.metadata import InvalidMetadata, instance_for_setup
from integrations.models import ChannelInstance
from integrations.services.push_token import PushTokenCheck, push_token_check
from integrations.services.setup import session_resume, session_start
from integrations.views.admin_ui.domains import connect_page, domains_page
from integrations.views.admin_ui.pages import AdminUiView, Problem, language_for, problem_page

BAD_METADATA = Problem(
    status=401,
    title=_("TrustDesk does not recognise this account"),
    message=_(
        "Zendesk sent account details that TrustDesk did not sign, that belong to another Zendesk account, "
        "or that were replaced when the account was disconnected. Remove the account in Zendesk and add it again."
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
    def post(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request.POST.get("locale", ""))
        form = ZendeskAdminForm(request.POST)
        with translation.override(language):
            if not form.is_valid():
                return problem_page(request, _bad_request(form), language=language)
        data: dict[str, Any] = form.cleaned_data
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
