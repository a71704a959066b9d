"""Zendesk-shaped error answers: {"error": ..., "description": ..., "details": ...}."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import JsonResponse


class ApiError(Exception):
    """Raised anywhere below a sandbox view; the view answers with it."""

    def __init__(self, status: int, body: Mapping[str, Any], *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status} {body.get('error', '')}")
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})

    def response(self) -> JsonResponse:
        response = JsonResponse(self.body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def bad_request(description: str, error: str = "BadRequest") -> ApiError:
    return ApiError(400, {"error": error, "description": description})


def unauthorized() -> ApiError:
    # Zendesk's exact answer to missing or wrong credentials, without a description.
    return ApiError(401, {"error": "Couldn't authenticate you"})


def forbidden(description: str) -> ApiError:
    return ApiError(403, {"error": "Forbidden", "description": description})


def not_found(description: str = "Not found") -> ApiError:
    """A record that does not exist, on a route that does."""
    return ApiError(404, {"error": "RecordNotFound", "description": description})


def invalid_endpoint() -> ApiError:
    """A route Zendesk does not have, or a method it does not take there: Zendesk's JSON, never an HTML page."""
    return ApiError(404, {"error": "InvalidEndpoint", "description": "Not found"})


def invalid(field: str, description: str) -> ApiError:
    """422 as Zendesk words a failed validation, naming the field and the bad value in the details."""
    details = {field: [{"error": "InvalidValue", "description": description}]}
    return ApiError(422, {"error": "RecordInvalid", "description": "Record validation errors", "details": details})
