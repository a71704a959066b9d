"""GET /zendesk/admin_ui/status: whether this setup's Trustpilot sign-in came back, for the connect step to poll.

The callback page tells the setup page through window.opener, which a strict Cross-Origin-Opener-Policy
on Trustpilot's sign-in page takes away from the popup: the connect step then asks here every few
seconds instead. The session key in the query is the only credential, as on every page of the setup,
and the answer carries nothing but the one flag.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from integrations.services.setup import SessionInvalid, session_connected, session_get
from integrations.views.admin_ui.pages import AdminUiView, secure


class StatusView(AdminUiView):
    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            session = session_get(key=request.GET.get("session", ""))
        except SessionInvalid:
            return secure(JsonResponse({"error": "unknown, expired or already used setup session"}, status=404))
        return secure(JsonResponse({"connected": session_connected(session)}))
