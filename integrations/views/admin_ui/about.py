"""GET /zendesk/about: the public About page the manifest names (reference §1, about_url)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from integrations.views.admin_ui.pages import AdminUiView, language_for, page
from trustdesk import __version__


class AboutView(AdminUiView):
    def get(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request.GET.get("locale", ""))
        return page(request, "about.html", {"version": __version__}, language=language)
