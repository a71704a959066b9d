"""TrustDesk's app installation: read, update its restrictions, uninstall."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from sandbox.zendesk import installations, render
from sandbox.zendesk.errors import ApiError
from sandbox.zendesk.views.base import ApiView, json_body


class InstallationView(ApiView):
    def get(self, request: HttpRequest, installation_id: int) -> JsonResponse:
        installation = installations.installation_get(self.zendesk, installation_id=installation_id)
        return render.json_response(render.installation(installation, off_as_empty=self.off_as_empty))

    def put(self, request: HttpRequest, installation_id: int) -> JsonResponse:
        raw = request.body.decode(errors="replace")
        body = None
        try:
            body = json_body(request)
            installation = installations.installation_update(self.zendesk, installation_id=installation_id, body=body)
        except ApiError as error:
            self.record(installation_id, raw, body, error.status)
            raise
        self.record(installation_id, raw, body, 200)
        return render.json_response(render.installation(installation, off_as_empty=self.off_as_empty))

    def delete(self, request: HttpRequest, installation_id: int) -> HttpResponse:
        installations.installation_uninstall(self.zendesk, installation_id=installation_id)
        return HttpResponse(status=204)

    @property
    def off_as_empty(self) -> bool:
        return self.zendesk.unused_restrictions_empty

    def record(self, installation_id: int, raw: str, body: object, status: int) -> None:
        installations.installation_update_record(
            self.zendesk, installation_id=installation_id, raw_body=raw, body=body, status=status
        )
