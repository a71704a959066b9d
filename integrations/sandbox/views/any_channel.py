"""The Channel Framework's calls that authenticate with a push token rather than an API token (reference §8)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse

from integrations.sandbox import auth, faults, push_tokens
from integrations.sandbox.errors import unauthorized
from integrations.sandbox.views.base import FaultyView


class ValidateTokenView(FaultyView):
    """POST validate_token: 200 with an empty body for a push token issued for this instance_push_id, else 401.

    [UNCONFIRMED] Zendesk documents only the 200; the 401 is how it answers bad credentials elsewhere.
    Nothing is recorded: Zendesk's answer is all a caller can observe.
    """

    def admit(self, request: HttpRequest) -> None:
        super().admit(request)
        failure = faults.validate_token_failure(self.zendesk)
        if failure is not None:
            raise failure

    def post(self, request: HttpRequest) -> HttpResponse:
        token = auth.push_token_of(request)
        if not push_tokens.push_token_valid(self.zendesk, token=token, instance_push_id=_instance_push_id(request)):
            raise unauthorized()
        return HttpResponse(status=200)


def _instance_push_id(request: HttpRequest) -> str:
    """The body's instance_push_id; "" when the body is not JSON or has none, which no token matches."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return ""
    value = data.get("instance_push_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""
