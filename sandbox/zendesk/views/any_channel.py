"""The Channel Framework's calls that authenticate with a push token rather than an API token (docs/zendesk.md §8)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse

from sandbox.zendesk import auth, faults, push, push_schema, push_tokens, reported_errors
from sandbox.zendesk.errors import ApiError, bad_request, unauthorized
from sandbox.zendesk.views.base import FaultyView


class PushView(FaultyView):
    """POST any_channel/push: 200 with {"results": [...]}, one per resource in the input's order [OAS]; 401 for a
    push token not issued for the body's instance_push_id; a body the schema refuses answers 400 (or 422 with the
    push_invalid switch: which one Zendesk sends is [UNCONFIRMED], docs/zendesk.md §8.2) and files nothing.
    Latency and injected failures apply first, as to any API call. Every authenticated push is recorded with
    when it arrived (GET /_control/pushes).
    """

    def post(self, request: HttpRequest) -> HttpResponse:
        token = auth.push_token_of(request)
        if not push_tokens.push_token_valid(self.zendesk, token=token, instance_push_id=_instance_push_id(request)):
            raise unauthorized()
        data = _body(request)
        problem = push_schema.push_problem(data)
        if problem:
            push.push_record(self.zendesk, data, status=self.zendesk.push_invalid_status)
            raise _invalid_push(self.zendesk.push_invalid_status, problem)
        assert isinstance(data, dict)  # noqa: S101 (push_problem refuses anything else)
        results = push.push_receive(self.zendesk, data)
        push.push_record(self.zendesk, data, status=200, results=results)
        return JsonResponse({"results": results})


def _invalid_push(status: int, problem: str) -> ApiError:
    if status == 422:
        details = {"external_resources": [{"error": "InvalidValue", "description": problem}]}
        return ApiError(422, {"error": "RecordInvalid", "description": "Record validation errors", "details": details})
    return bad_request(problem)


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


class ReportErrorView(FaultyView):
    """POST channelback/report_error: 200 with an empty body [OAS][SCHEMA]; 401 for a push token not issued for the
    body's instance_push_id; 400 for a body the schema refuses. Every authenticated call is recorded (GET
    /_control/reported_errors lists them), since Zendesk's trace of it, a failed comment, has no API here.
    """

    def post(self, request: HttpRequest) -> HttpResponse:
        token = auth.push_token_of(request)
        if not push_tokens.push_token_valid(self.zendesk, token=token, instance_push_id=_instance_push_id(request)):
            raise unauthorized()
        data = _body(request)
        problem = reported_errors.report_problem(data)
        reported_errors.report_record(self.zendesk, data, status=400 if problem else 200)
        if problem:
            raise bad_request(problem)
        return HttpResponse(status=200)


def _body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None


def _instance_push_id(request: HttpRequest) -> str:
    """The body's instance_push_id; "" when the body is not JSON or has none, which no token matches."""
    data = _body(request)
    value = data.get("instance_push_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""
