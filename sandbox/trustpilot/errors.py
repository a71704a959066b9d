"""Trustpilot-shaped error answers: {"message", "errorCode", "details", "correlationId"}."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import IntEnum

from django.http import JsonResponse


class ErrorCode(IntEnum):
    # 1001 is the one code seen from Trustpilot (node-trustpilot #57, reference §0); the rest are the sandbox's own.
    MALFORMED = 1001
    INVALID_PARAMETER = 1002
    INVALID_GRANT = 1003
    UNAUTHORIZED = 1004
    FORBIDDEN = 1005
    NOT_FOUND = 1006
    TOO_MANY_REQUESTS = 1007
    INJECTED_FAULT = 1008


class ApiError(Exception):
    """Raised anywhere below a sandbox API view; the view answers with it."""

    def __init__(self, status: int, message: str, *, code: ErrorCode, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})

    def response(self) -> JsonResponse:
        body = {"message": self.message, "errorCode": int(self.code), "details": "", "correlationId": str(uuid.uuid4())}
        response = JsonResponse(body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def bad_request(message: str, code: ErrorCode = ErrorCode.INVALID_PARAMETER) -> ApiError:
    return ApiError(400, message, code=code)


def malformed() -> ApiError:
    return ApiError(400, "The request was malformed", code=ErrorCode.MALFORMED)


def unauthorized(message: str = "Unauthorized") -> ApiError:
    return ApiError(401, message, code=ErrorCode.UNAUTHORIZED)


def forbidden() -> ApiError:
    return ApiError(403, "Forbidden", code=ErrorCode.FORBIDDEN)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", code=ErrorCode.NOT_FOUND)


def endpoint_missing() -> ApiError:
    """What a path Trustpilot does not serve gets, for the sandbox's switches that take an endpoint away."""
    return ApiError(404, "Resource not found", code=ErrorCode.NOT_FOUND)
