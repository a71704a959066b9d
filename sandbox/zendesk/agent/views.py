"""The agent view's pages: the account's tickets, one ticket's thread with a reply box, and the buttons that add an
account under TrustDesk's channel and pull. Plain forms, each with its CSRF token; no sign-in, as in every sandbox
page, and a 404 while TRUSTDESK_SANDBOX is off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from sandbox.zendesk.agent import desk
from sandbox.zendesk.agent.forms import AccountForm, ReplyForm
from sandbox.zendesk.agent.models import ChannelAccount, ChannelComment, ChannelTicket
from sandbox.zendesk.models import SandboxComment, SandboxTicket, SandboxUser, SandboxZendesk

TICKETS_SHOWN = 500


class AgentView(View):
    zendesk: SandboxZendesk

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Read per request, as the other sandbox views do, so that a settings override applies at once.
        if not settings.TRUSTDESK_SANDBOX:
            raise Http404("The Zendesk sandbox is off")
        self.zendesk = get_object_or_404(SandboxZendesk, subdomain=kwargs.pop("subdomain"))
        return super().dispatch(request, *args, **kwargs)

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"zendesk_sandbox:agent:{name}", kwargs={"subdomain": self.zendesk.subdomain, **kwargs})

    def names(self, user_ids: set[int]) -> dict[int, str]:
        users = SandboxUser.objects.filter(account=self.zendesk, zendesk_id__in=user_ids)
        return {user.zendesk_id: user.name for user in users}


@dataclass(frozen=True)
class TicketRow:
    ticket: SandboxTicket
    requester: str
    channel: ChannelTicket | None


class TicketsView(AgentView):
    def get(self, request: HttpRequest) -> HttpResponse:
        found = list(
            SandboxTicket.objects.filter(account=self.zendesk)
            .select_related("channel__account")
            .order_by("-updated_at", "-zendesk_id")[:TICKETS_SHOWN]
        )
        names = self.names({ticket.requester_id for ticket in found if ticket.requester_id is not None})
        rows = [
            TicketRow(ticket, names.get(ticket.requester_id or 0, ""), getattr(ticket, "channel", None))
            for ticket in found
        ]
        context = {
            "zendesk": self.zendesk,
            "accounts": ChannelAccount.objects.filter(zendesk=self.zendesk),
            "rows": rows,
            "account_form": AccountForm(),
            "trustdesk_url": desk.trustdesk_url(),
        }
        return render(request, "zendesk_sandbox_agent/tickets.html", context)


class PullView(AgentView):
    def post(self, request: HttpRequest) -> HttpResponse:
        summary = desk.pull_now(self.zendesk)
        report(request, summary)
        return HttpResponseRedirect(self.url("tickets"))


class AccountAddView(AgentView):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = AccountForm(request.POST)
        if not form.is_valid():
            messages.error(request, "; ".join(str(error) for errors in form.errors.values() for error in errors))
            return HttpResponseRedirect(self.url("tickets"))
        try:
            account = desk.account_add(
                self.zendesk,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                sync_days=form.cleaned_data["days"],
            )
        except desk.DeskError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(self.url("tickets"))
        messages.success(request, f"Added {account.name} under TrustDesk's channel.")
        report(request, desk.pull_now(self.zendesk))
        return HttpResponseRedirect(self.url("tickets"))


def report(request: HttpRequest, summary: desk.PullSummary) -> None:
    for problem in summary.problems:
        messages.error(request, f"Pull: {problem}")
    if summary.comments:
        messages.success(request, f"Pulled {summary.comments} resource(s): {summary.tickets} new ticket(s).")
    elif not summary.problems:
        messages.info(request, "Pulled: nothing new from TrustDesk yet.")


@dataclass(frozen=True)
class Entry:
    comment: SandboxComment
    author: str
    channel: ChannelComment | None


class TicketView(AgentView):
    def get(self, request: HttpRequest, ticket_id: int) -> HttpResponse:
        return self.page(request, self.ticket(ticket_id), ReplyForm(zendesk=self.zendesk))

    def post(self, request: HttpRequest, ticket_id: int) -> HttpResponse:
        ticket = self.ticket(ticket_id)
        form = ReplyForm(request.POST, zendesk=self.zendesk)
        if not form.is_valid():
            return self.page(request, ticket, form, status=400)
        try:
            reply = desk.reply_send(
                self.zendesk,
                ticket,
                text=form.cleaned_data["body"],
                author_id=form.cleaned_data["author_id"],
                status=form.cleaned_data["status"],
            )
        except desk.DeskError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Sent. TrustDesk's external_id for the reply: {reply.external_id}")
        return HttpResponseRedirect(self.url("ticket", ticket_id=ticket.zendesk_id))

    def ticket(self, ticket_id: int) -> SandboxTicket:
        return get_object_or_404(
            SandboxTicket.objects.select_related("channel__account"), account=self.zendesk, zendesk_id=ticket_id
        )

    def page(self, request: HttpRequest, ticket: SandboxTicket, form: ReplyForm, *, status: int = 200) -> HttpResponse:
        # In the order Zendesk lists them: by id, which is the order they were added in.
        comments = list(ticket.comments.select_related("channel").order_by("id"))
        names = self.names({comment.author_id for comment in comments} | {ticket.requester_id or 0})
        entries = [
            Entry(comment, names.get(comment.author_id, f"User {comment.author_id}"), getattr(comment, "channel", None))
            for comment in comments
        ]
        context = {
            "zendesk": self.zendesk,
            "ticket": ticket,
            "channel": getattr(ticket, "channel", None),
            "requester": names.get(ticket.requester_id or 0, ""),
            "entries": entries,
            "form": form,
        }
        return render(request, "zendesk_sandbox_agent/ticket.html", context, status=status)
