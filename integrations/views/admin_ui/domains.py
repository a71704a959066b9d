"""The connect step, the domains step (POST /zendesk/admin_ui/domains) and the finish page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy

from integrations.forms import DomainsForm
from integrations.metadata import metadata_for
from integrations.models import ChannelInstance, SetupSession
from integrations.services.setup import SessionInvalid, instance_save, session_connected, setup_units
from integrations.views.admin_ui.pages import (
    SESSION_EXPIRED,
    AdminUiView,
    language_for,
    posted_session,
    problem_page,
    setup_page,
    sign_in_url,
)
from integrations.views.admin_ui.problems import domain_problem, trustpilot_unavailable
from reviews.services.accounts import ReauthorizationNeeded
from reviews.trustpilot.errors import TrustpilotError


def connect_page(
    request: HttpRequest, session: SetupSession, *, reconnect: bool = False, code_error: str = "", status: int = 200
) -> HttpResponse:
    context = {"reconnect": reconnect, "connect_url": sign_in_url(session), "code_error": code_error}
    return setup_page(request, session, "admin_ui/connect.html", context, status=status)


def domains_page(request: HttpRequest, session: SetupSession, *, form: DomainsForm | None = None) -> HttpResponse:
    form = form or DomainsForm(initial=_initial(session), units=session.business_units)
    context = {
        "form": form,
        "units": form.unit_rows(),
        "typed": _typed_value(form),
        "account": session.trustpilot_account,
        "editing": session.instance is not None,
        "connect_url": sign_in_url(session),
    }
    return setup_page(request, session, "admin_ui/domains.html", context, status=400 if form.errors else 200)


def _typed_value(form: DomainsForm) -> str:
    value = form["typed"].value() or ""
    return "\n".join(value) if isinstance(value, list) else str(value)


def _initial(session: SetupSession) -> dict[str, Any]:
    instance = session.instance
    if instance is not None and instance.trustpilot_account_id == session.trustpilot_account_id:
        return {
            "name": instance.name,
            "domains": list(instance.domains.values_list("business_unit_id", flat=True)),
            "sync_unanswered": instance.sync_unanswered,
            "days": instance.sync_unanswered_days,
        }
    account = session.trustpilot_account
    units = session.business_units
    default_name = f"Trustpilot — {account.name}" if account and account.name else "Trustpilot"
    return {
        "name": (instance.name if instance else session.name) or default_name,
        "domains": [units[0]["id"]] if len(units) == 1 else [],
        "sync_unanswered": False,
        "days": ChannelInstance.SyncPeriod.MONTH.value,
    }


class DomainsView(AdminUiView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        # The key must come in the body: it is this form's CSRF token (see AdminUiView).
        session = posted_session(request)
        if isinstance(session, HttpResponse):
            return session
        if not session_connected(session):
            return connect_page(request, session, reconnect=session.trustpilot_account is not None)
        form = DomainsForm(request.POST, units=session.business_units)
        if not form.is_valid():
            return domains_page(request, session, form=form)
        data = form.cleaned_data
        try:
            units, failed = setup_units(session=session, chosen_ids=data["domains"], typed=data["typed"])
        except ReauthorizationNeeded:
            return connect_page(request, session, reconnect=True)
        except TrustpilotError as exc:
            return problem_page(request, trustpilot_unavailable(exc), session=session)
        with translation.override(language_for(session.locale)):
            for check in failed:
                form.add_error("typed", domain_problem(check))
        if failed:
            return domains_page(request, session, form=form)
        try:
            instance = instance_save(
                session=session,
                name=data["name"],
                units=units,
                sync_unanswered=data["sync_unanswered"],
                days=data["days"],
            )
        except SessionInvalid:
            return problem_page(request, SESSION_EXPIRED, session=session)
        except ValueError:
            form.add_error("domains", gettext_lazy("Choose at least one domain."))
            return domains_page(request, session, form=form)
        context = {"name": instance.name, "metadata": metadata_for(instance), "state": session.cursor}
        return setup_page(request, session, "admin_ui/finish.html", context)
