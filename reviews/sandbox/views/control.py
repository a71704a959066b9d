"""Test and demo controls for faults and limits: JSON in, JSON out, only while the sandbox is on."""

from __future__ import annotations

import json

from django.db import transaction
from django.http import HttpRequest, JsonResponse

from reviews.sandbox import faults, render
from reviews.sandbox.errors import bad_request, malformed
from reviews.sandbox.views.base import JsonView


class FaultsView(JsonView):
    def get(self, request: HttpRequest) -> JsonResponse:
        return render.json_response(faults.faults_as_dict(faults.faults_get()))

    def post(self, request: HttpRequest) -> JsonResponse:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise malformed() from None
        if not isinstance(data, dict):
            raise malformed()
        expire = data.get("expire_tokens", False)
        if not isinstance(expire, bool):
            raise bad_request("expire_tokens must be true or false")
        changes = faults.parse_changes(data)
        with transaction.atomic():
            current = faults.faults_apply(changes) if changes else faults.faults_get()
            expired = faults.access_tokens_expire() if expire else 0
        return render.json_response({**faults.faults_as_dict(current), "expired_tokens": expired})


class ResetView(JsonView):
    def post(self, request: HttpRequest) -> JsonResponse:
        current = faults.faults_reset()
        return render.json_response(faults.faults_as_dict(current))
