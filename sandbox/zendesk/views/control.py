"""/_control: inject failures and latency into one subdomain's API calls (no credentials needed)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from sandbox.zendesk import faults, render, reported_errors
from sandbox.zendesk.views.base import SandboxView, json_object


class FaultsView(SandboxView):
    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(faults.faults_as_dict(self.zendesk))


class FailNextView(SandboxView):
    def post(self, request: HttpRequest) -> JsonResponse:
        values = faults.parse_fail_next(json_object(request))
        current = faults.faults_fail_next(self.zendesk, **values)
        return render.json_response(faults.faults_as_dict(current))


class LatencyView(SandboxView):
    def post(self, request: HttpRequest) -> JsonResponse:
        current = faults.faults_slow(self.zendesk, latency_ms=faults.parse_latency(json_object(request)))
        return render.json_response(faults.faults_as_dict(current))


class ValidateTokenView(SandboxView):
    def post(self, request: HttpRequest) -> JsonResponse:
        unavailable = faults.parse_validate_token(json_object(request))
        current = faults.faults_validate_token(self.zendesk, unavailable=unavailable)
        return render.json_response(faults.faults_as_dict(current))


class UnusedRestrictionsView(SandboxView):
    def post(self, request: HttpRequest) -> JsonResponse:
        empty = faults.parse_unused_restrictions(json_object(request))
        return render.json_response(faults.faults_as_dict(faults.faults_unused_restrictions(self.zendesk, empty=empty)))


class ReportedErrorsView(SandboxView):
    """What report_error received for this subdomain, oldest first."""

    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response({"reported_errors": reported_errors.reports_as_list(self.zendesk)})


class ResetView(SandboxView):
    def post(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(faults.faults_as_dict(faults.faults_reset(self.zendesk)))
