"""{% trustdesk_dashboard %}: the support managers' figures on the admin index, each linking to its rows.

A figure appears only when the user may view the admin list it links to, so a staff member without
permissions sees none, and no figure leaks rows its reader could not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import template
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext_lazy as _

from integrations import dashboard
from integrations.admin_uninstall import URL_NAME as CONFIRM_UNINSTALL
from integrations.models import ChannelEvent, ReviewTicketLink, ZendeskAccount
from reviews.models import Domain, Reply, SyncRun, TrustpilotAccount
from reviews.selectors import poll_overdue_after
from reviews.services import polling
from trustdesk import permissions

register = template.Library()


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    url: str
    alert: bool = False


@register.inclusion_tag("integrations/dashboard.html", takes_context=True)
def trustdesk_dashboard(context: template.Context) -> dict[str, Any]:
    request: HttpRequest = context["request"]
    now = timezone.now()
    figures: dict[str, Any] = {}
    if _can_view(request, Domain):
        plan = polling.current_plan(now=now)
        figures["polls"] = [(poll, _change(Domain, poll.pk)) for poll in dashboard.domain_polls(now=now, plan=plan)]
        figures["overdue_after"] = timeuntil(now + poll_overdue_after(), now)
        figures["schedule"] = dashboard.poll_schedule(now=now, plan=plan)
        refused = _changelist(Domain, enabled__exact=1, access="denied")
        figures["domains"] = [Figure("Refused by Trustpilot, not polled", dashboard.domains_refused(), refused, True)]
    if _can_view(request, ReviewTicketLink):
        figures["backlog"] = [
            (row, _changelist(ReviewTicketLink, delivery="waiting", instance__id__exact=row.pk))
            for row in dashboard.delivery_backlog()
        ]
    if _can_view(request, Reply):
        figures["replies"] = _reply_counts()
    if _can_view(request, TrustpilotAccount):
        figures["accounts"] = _account_counts(now)
    if _can_view(request, ChannelEvent):
        figures["events"] = [(event, _change(ChannelEvent, event.pk)) for event in dashboard.latest_event_errors()]
        figures["events_count"] = Figure(
            "All events with errors", dashboard.events_with_errors(), _changelist(ChannelEvent, has_error="yes")
        )
    if _can_view(request, SyncRun):
        figures["backfills"] = [(run, _change(SyncRun, run.pk)) for run in dashboard.backfills_in_progress()]
        figures["backfill_counts"] = _backfill_counts()
    if _can_view(request, ZendeskAccount):
        figures["uninstalls"] = _uninstalls(request)
    return {"figures": figures, "csrf_token": context.get("csrf_token")}


@dataclass(frozen=True)
class UninstallRow:
    report: dashboard.UninstallReport
    url: str
    events_url: str
    confirm_url: str  # empty for whoever may not disconnect


WINDOW_LABELS = {300: _("Last 5 minutes"), 3600: _("Last hour")}


@register.filter
def duration(value: float | timedelta | None) -> str:
    """Seconds (or a timedelta) as "5 minutes", "2 hours, 3 minutes"; "—" for none."""
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 60:
        return str(_("%(seconds)d seconds") % {"seconds": round(seconds)})
    start = datetime(2000, 1, 1)
    return timeuntil(start + timedelta(seconds=seconds), start)


@register.filter
def budget_window(seconds: int) -> str:
    return str(WINDOW_LABELS.get(seconds, _("Last %(seconds)d seconds") % {"seconds": seconds}))


def _uninstalls(request: HttpRequest) -> list[UninstallRow]:
    may_confirm = permissions.can_disconnect(request.user, ZendeskAccount)
    return [
        UninstallRow(
            report,
            _change(ZendeskAccount, report.pk),
            _changelist(
                ChannelEvent, outcome__exact=ChannelEvent.Outcome.UNINSTALL_REPORTED, subdomain=report.subdomain
            ),
            reverse(f"admin:{CONFIRM_UNINSTALL}", args=[report.pk]) if may_confirm else "",
        )
        for report in dashboard.uninstalls_reported()
    ]


def _reply_counts() -> list[Figure]:
    counts = dashboard.reply_counts()
    return [
        Figure("Pending", counts.pending, _changelist(Reply, status__exact=Reply.Status.PENDING)),
        Figure("Failed", counts.failed, _changelist(Reply, status__exact=Reply.Status.FAILED), alert=True),
    ]


def _account_counts(now: datetime) -> list[Figure]:
    counts = dashboard.account_counts(now=now)
    reauthorize = _changelist(TrustpilotAccount, status__exact=TrustpilotAccount.Status.NEEDS_REAUTHORIZATION)
    tokens = _changelist(TrustpilotAccount, tokens="attention")
    return [
        Figure("Need re-authorization", counts.needs_reauthorization, reauthorize, alert=True),
        Figure("Tokens expiring soon or not refreshed", counts.tokens_need_attention, tokens, alert=True),
    ]


def _backfill_counts() -> list[Figure]:
    counts = dashboard.backfill_counts()
    kind = SyncRun.Kind.BACKFILL
    return [
        Figure("Running", counts.running, _changelist(SyncRun, kind__exact=kind, status__exact=SyncRun.Status.RUNNING)),
        Figure("Queued", counts.queued, _changelist(SyncRun, kind__exact=kind, status__exact=SyncRun.Status.QUEUED)),
    ]


def _can_view(request: HttpRequest, model: type[Model]) -> bool:
    try:
        return admin.site.get_model_admin(model).has_view_permission(request)
    except NotRegistered:
        return False


def _changelist(model: type[Model], **filters: str | int) -> str:
    meta = model._meta
    return f"{reverse(f'admin:{meta.app_label}_{meta.model_name}_changelist')}?{urlencode(filters)}"


def _change(model: type[Model], pk: int) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
