"""The connect step and the domains step (GET/POST /zendesk/admin_ui/domains), and the finish page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from integrations.forms import DomainsForm, cursor_or_empty
from integrations.metadata import metadata_for
from integrations.models import ChannelInstance, SetupSession
from integrations.services.setup import SessionInvalid, instance_save, session_connected, session_get
from integrations.views.admin_ui.pages import (
    SESSION_EXPIRED,
    SESSION_MISSING,
    AdminUiView,
    flow_url,
    language_for,
    page,
    problem_page,
)


def connect_page(request: HttpRequest, session: SetupSession, *, state: str, reconnect: bool = False) -> HttpResponse:
    context = {
        "session": session,
        "state": state,
        "reconnect": reconnect,
        "connect_url": flow_url("zendesk:admin_ui_connect", session=session.key, state=state),
        "status_url": flow_url("zendesk:admin_ui_status", session=session.key),
        "next_url": flow_url("zendesk:admin_ui_domains", session=session.key, state=state),
    }
    return page(request, "admin_ui/connect.html", context, language=language_for(session.locale))


def domains_page(
    request: HttpRequest, session: SetupSession, *, state: str, form: DomainsForm | None = None
) -> HttpResponse:
    form = form or DomainsForm(initial={**_initial(session), "state": state}, units=session.business_units)
    context = {
        "session": session,
        "form": form,
        "units": form.unit_rows(),
        "account": session.trustpilot_account,
        "editing": session.instance is not None,
        "next_url": flow_url("zendesk:admin_ui_domains", session=session.key, state=state),
    }
    return page(request, "admin_ui/domains.html", context, language=language_for(session.locale))


def _initial(session: SetupSession) -> dict[str, Any]:
    instance = session.instance
    if instance is not None:
        return {
            "name": instance.name,
            "domains": list(instance.domains.values_list("business_unit_id", flat=True)),
            "sync_unanswered": instance.sync_unanswered,
            "days": instance.sync_unanswered_days,
        }
    account = session.trustpilot_account
    units = session.business_units
    return {
        "name": session.name or (f"Trustpilot — {account.name}" if account and account.name else "Trustpilot"),
        "domains": [units[0]["id"]] if len(units) == 1 else [],
        "sync_unanswered": False,
        "days": ChannelInstance.SyncPeriod.MONTH.value,
    }


class DomainsView(AdminUiView):
    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            session = session_get(key=request.GET.get("session", ""))
        except SessionInvalid:
            return problem_page(request, SESSION_EXPIRED)
        state = cursor_or_empty(request.GET.get("state", ""))
        if not session_connected(session):
            return connect_page(request, session, state=state, reconnect=session.trustpilot_account is not None)
        return domains_page(request, session, state=state)

    def post(self, request: HttpRequest) -> HttpResponse:
        # The key must come in the body: it is this form's CSRF token (see AdminUiView).
        key = request.POST.get("session", "")
        if not key:
            return problem_page(request, SESSION_MISSING)
        try:
            session = session_get(key=key)
        except SessionInvalid:
            return problem_page(request, SESSION_EXPIRED)
        state = cursor_or_empty(request.POST.get("state", ""))
        if not session_connected(session):
            return connect_page(request, session, state=state, reconnect=True)
        form = DomainsForm(request.POST, units=session.business_units)
        if not form.is_valid():
            return domains_page(request, session, state=state, form=form)
        data = form.cleaned_data
        try:
            instance = instance_save(
                session=session,
                name=data["name"],
                business_unit_ids=data["domains"],
                sync_unanswered=data["sync_unanswered"],
                days=data["days"],
            )
        except SessionInvalid:
            return problem_page(request, SESSION_EXPIRED, language=language_for(session.locale))
        context = {"return_url": session.return_url, "name": instance.name, "metadata": metadata_for(instance)}
        return page(request, "admin_ui/finish.html", {**context, "state": state}, language=language_for(session.locale))
