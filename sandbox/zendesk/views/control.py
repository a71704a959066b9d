"""/_control: inject failures and latency into one subdomain's API calls, for a caller holding the control
token (sandbox.control) rather than the account's credentials."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from sandbox.control import control_token_refusal, control_token_valid
from sandbox.zendesk import faults, push, render, reported_errors
from sandbox.zendesk.errors import forbidden
from sandbox.zendesk.views.base import SandboxView, json_object


class ControlView(SandboxView):
    """403 in Zendesk's error shape, before anything is read or changed, without the control token."""

    def admit(self, request: HttpRequest) -> None:
        if not control_token_valid(request):
            raise forbidden(control_token_refusal())


class FaultsView(ControlView):
    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(faults.faults_as_dict(self.zendesk))


class FailNextView(ControlView):
    def post(self, request: HttpRequest) -> JsonResponse:
        values = faults.parse_fail_next(json_object(request))
        current = faults.faults_fail_next(self.zendesk, **values)
        return render.json_response(faults.faults_as_dict(current))


class LatencyView(ControlView):
    def post(self, request: HttpRequest) -> JsonResponse:
        current = faults.faults_slow(self.zendesk, latency_ms=faults.parse_latency(json_object(request)))
        return render.json_response(faults.faults_as_dict(current))


class ValidateTokenView(ControlView):
    def post(self, request: HttpRequest) -> JsonResponse:
        unavailable = faults.parse_validate_token(json_object(request))
        current = faults.faults_validate_token(self.zendesk, unavailable=unavailable)
        return render.json_response(faults.faults_as_dict(current))


class UnusedRestrictionsView(ControlView):
    def post(self, request: HttpRequest) -> JsonResponse:
        empty = faults.parse_unused_restrictions(json_object(request))
        return render.json_response(faults.faults_as_dict(faults.faults_unused_restrictions(self.zendesk, empty=empty)))


class ReportedErrorsView(ControlView):
    """What report_error received for this subdomain, oldest first."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response({"reported_errors": reported_errors.reports_as_list(self.zendesk)})


class PushesView(ControlView):
    """Every authenticated push of this subdomain, oldest first, with when it arrived and each result."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response({"pushes": push.pushes_as_list(self.zendesk)})


class PushInvalidView(ControlView):
    def post(self, request: HttpRequest) -> JsonResponse:
        status = faults.parse_push_invalid(json_object(request))
        return render.json_response(faults.faults_as_dict(faults.faults_push_invalid(self.zendesk, status=status)))


class ResetView(ControlView):
    def post(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(faults.faults_as_dict(faults.faults_reset(self.zendesk)))
