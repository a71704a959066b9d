"""The Zendesk sandbox's routes, mounted at /sandbox/zendesk/<subdomain>/ (the client's ZENDESK_API_URL).

Zendesk answers its API paths with and without ".json"; so does the sandbox. Any other path answers Zendesk's
JSON 404 through the catch-all route, which stays the last one.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views import View

from sandbox.zendesk.views import any_channel, base, control, directory, installations, tickets

app_name = "zendesk_sandbox"


def api(route: str, view: type[View], name: str) -> list[URLPattern]:
    return [path(route, view.as_view(), name=name), path(f"{route}.json", view.as_view(), name=f"{name}-json")]


urlpatterns: list[URLPattern | URLResolver] = [
    *api("api/v2/custom_roles", directory.CustomRolesView, "custom-roles"),
    *api("api/v2/groups", directory.GroupsView, "groups"),
    *api("api/v2/groups/<int:group_id>", directory.GroupView, "group"),
    *api("api/v2/users", directory.UsersView, "users"),
    *api("api/v2/users/<int:user_id>", directory.UserView, "user"),
    *api("api/v2/users/<int:user_id>/group_memberships", directory.UserGroupMembershipsView, "user-memberships"),
    *api("api/v2/apps/installations/<int:installation_id>", installations.InstallationView, "installation"),
    *api("api/v2/tickets", tickets.TicketsView, "tickets"),
    *api("api/v2/tickets/<int:ticket_id>", tickets.TicketView, "ticket"),
    *api("api/v2/tickets/<int:ticket_id>/comments", tickets.TicketCommentsView, "ticket-comments"),
    *api("api/v2/any_channel/push", any_channel.PushView, "push"),
    *api("api/v2/any_channel/validate_token", any_channel.ValidateTokenView, "validate-token"),
    *api("api/v2/any_channel/channelback/report_error", any_channel.ReportErrorView, "report-error"),
    path("_control/faults", control.FaultsView.as_view(), name="faults"),
    path("_control/fail_next", control.FailNextView.as_view(), name="fail-next"),
    path("_control/latency", control.LatencyView.as_view(), name="latency"),
    path("_control/validate_token", control.ValidateTokenView.as_view(), name="validate-token-unavailable"),
    path("_control/reported_errors", control.ReportedErrorsView.as_view(), name="reported-errors"),
    path("_control/pushes", control.PushesView.as_view(), name="pushes"),
    path("_control/push_invalid", control.PushInvalidView.as_view(), name="push-invalid"),
    path("_control/unused_restrictions", control.UnusedRestrictionsView.as_view(), name="unused-restrictions"),
    path("_control/reset", control.ResetView.as_view(), name="reset"),
    path("agent/", include("sandbox.zendesk.agent.urls")),
]

urlpatterns.append(re_path(r"^.*$", base.UnknownEndpointView.as_view(), name="unknown-endpoint"))
