"""The agent view's routes, under /sandbox/zendesk/<subdomain>/agent/."""

from __future__ import annotations

from django.urls import URLPattern, path

from sandbox.zendesk.agent import views

app_name = "agent"

urlpatterns: list[URLPattern] = [
    path("", views.TicketsView.as_view(), name="tickets"),
    path("pull", views.PullView.as_view(), name="pull"),
    path("accounts", views.AccountAddView.as_view(), name="account-add"),
    path("tickets/<int:ticket_id>", views.TicketView.as_view(), name="ticket"),
]
