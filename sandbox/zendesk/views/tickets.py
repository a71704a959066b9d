"""A ticket's comments, and the ticket update that adds one."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from sandbox.zendesk import render, tickets
from sandbox.zendesk.views.base import ApiView, json_body


class TicketCommentsView(ApiView):
    def get(self, request: HttpRequest, ticket_id: int) -> JsonResponse:
        # Zendesk lists oldest first unless sort_order=desc.
        newest_first = request.GET.get("sort_order", "asc").lower() == "desc"
        comments = [
            render.comment(comment)
            for comment in tickets.ticket_comments(self.zendesk, ticket_id=ticket_id, newest_first=newest_first)
        ]
        return render.json_response(
            {"comments": comments, "next_page": None, "previous_page": None, "count": len(comments)}
        )


class TicketView(ApiView):
    def put(self, request: HttpRequest, ticket_id: int) -> JsonResponse:
        comment = tickets.ticket_comment_add(
            self.zendesk, ticket_id=ticket_id, body=json_body(request), api_user=self.api_user
        )
        return render.json_response(render.ticket_update(comment))
