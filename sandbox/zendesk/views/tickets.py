"""Tickets: list and create, show and update (an agent's reply is a comment of an update), and their comments."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from sandbox.zendesk import render, tickets
from sandbox.zendesk.models import SandboxTicket
from sandbox.zendesk.pagination import list_page
from sandbox.zendesk.tickets import TicketChange
from sandbox.zendesk.views.base import ApiView, json_body


class TicketsView(ApiView):
    def get(self, request: HttpRequest) -> JsonResponse:
        def ticket(item: SandboxTicket) -> render.JsonObject:
            return render.ticket(item, description=tickets.ticket_description(item), request=request)

        return render.json_response(list_page(request, tickets.ticket_list(self.zendesk), key="tickets", render=ticket))

    def post(self, request: HttpRequest) -> JsonResponse:
        change = tickets.ticket_create(self.zendesk, body=json_body(request), api_user=self.api_user)
        return _changed(request, change, status=201)


class TicketView(ApiView):
    def get(self, request: HttpRequest, ticket_id: int) -> JsonResponse:
        ticket = tickets.ticket_get(self.zendesk, ticket_id=ticket_id)
        description = tickets.ticket_description(ticket)
        return render.json_response({"ticket": render.ticket(ticket, description=description, request=request)})

    def put(self, request: HttpRequest, ticket_id: int) -> JsonResponse:
        change = tickets.ticket_update(
            self.zendesk, ticket_id=ticket_id, body=json_body(request), api_user=self.api_user
        )
        return _changed(request, change)


class TicketCommentsView(ApiView):
    def get(self, request: HttpRequest, ticket_id: int) -> JsonResponse:
        # Zendesk lists oldest first unless sort_order=desc.
        newest_first = request.GET.get("sort_order", "asc").lower() == "desc"
        comments = tickets.ticket_comments(self.zendesk, ticket_id=ticket_id)
        page = list_page(request, comments, key="comments", render=render.comment, field="id", descending=newest_first)
        return render.json_response(page)


def _changed(request: HttpRequest, change: TicketChange, *, status: int = 200) -> JsonResponse:
    description = tickets.ticket_description(change.ticket)
    return render.json_response(render.ticket_change(change, description=description, request=request), status=status)
