"""GET /zendesk/a/<secret>/about: the About page the manifest names (docs/zendesk.md §1.1, about_url)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from integrations.app_address import account_for_secret
from integrations.views.admin_ui.pages import UNKNOWN_APP_ADDRESS, AdminUiView, language_for, page, problem_page
from trustdesk import __version__


class AboutView(AdminUiView):
    def get(self, request: HttpRequest, secret: str) -> HttpResponse:
        language = language_for(request.GET.get("locale", ""))
        if account_for_secret(secret) is None:
            return problem_page(request, UNKNOWN_APP_ADDRESS, language=language)
        return page(request, "about.html", {"version": __version__}, language=language)
