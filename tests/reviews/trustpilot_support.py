"""Shared pieces for the TrustpilotClient tests: a client that never really sleeps, fakes, request readers."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import requests
import responses

from reviews.trustpilot import errors
from reviews.trustpilot.client import TrustpilotClient
from tests.fixtures import fixture_text

API = "https://api.trustpilot.test"
AUTHORIZE = "https://authenticate.trustpilot.test"
API_KEY = "tp-key"
API_SECRET = "tp-secret"
TOKEN = "tpa-Fq3ZkX9wLm2Rt8YvNc4Hd7Jp"
BUSINESS_UNIT_ID = "46d6a890000064000500e0c3"
BUSINESS_USER_ID = "5f3c2a1b9d8e7f6a5b4c3d2e"
REVIEW_ID = "651e9b774c1d8b0012a3b4d6"

TOKEN_URL = f"{API}/v1/oauth/oauth-business-users-for-applications/accesstoken"
REVOKE_URL = f"{API}/v1/oauth/oauth-business-users-for-applications/revoke"
ME_URL = f"{API}/v1/private/me"
USER_UNITS_URL = f"{API}/v1/private/business-users/{BUSINESS_USER_ID}/business-units"
FIND_URL = f"{API}/v1/business-units/find"
PUBLIC_UNIT_URL = f"{API}/v1/business-units/{BUSINESS_UNIT_ID}"
PRIVATE_UNIT_URL = f"{API}/v1/private/business-units/{BUSINESS_UNIT_ID}"
REVIEWS_URL = f"{API}/v1/private/business-units/{BUSINESS_UNIT_ID}/reviews"
REVIEW_URL = f"{API}/v1/private/reviews/{REVIEW_ID}"
REPLY_URL = f"{API}/v1/private/reviews/{REVIEW_ID}/reply"

JSON_UTF8 = "application/json; charset=utf-8"
BASIC_AUTH = "Basic " + base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()


def make_client(**overrides: Any) -> TrustpilotClient:
    """A client against the test hosts; pass `sleep=delays.append` to see the backoff it chose."""
    options: dict[str, Any] = {
        "api_url": API,
        "authorize_url": AUTHORIZE,
        "api_key": API_KEY,
        "api_secret": API_SECRET,
        "sleep": lambda seconds: None,
    }
    options.update(overrides)
    return TrustpilotClient(**options)


class RecordingBudget:
    """Counts acquire() calls; refuses the first `refusals` of them the way the shared budget does."""

    def __init__(self, *, refusals: int = 0, retry_after: float = 1.0) -> None:
        self.acquired = 0
        self.refusals = refusals
        self.retry_after = retry_after

    def acquire(self) -> None:
        self.acquired += 1
        if self.refusals:
            self.refusals -= 1
            raise errors.RateLimited("TrustDesk's budget for this API key is spent", retry_after=self.retry_after)


def add_fixture(method: str, url: str, name: str, *, status: int = 200, **kwargs: Any) -> None:
    """Answer with a Trustpilot fixture sent byte for byte, as Trustpilot would send it."""
    content_type = JSON_UTF8 if name.endswith(".json") else "text/html"
    responses.add(
        method, url, body=fixture_text("trustpilot", name), status=status, content_type=content_type, **kwargs
    )


def sent(index: int = 0) -> requests.PreparedRequest:
    return responses.calls[index].request


def query_of(request: requests.PreparedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))


def form_of(request: requests.PreparedRequest) -> dict[str, list[str]]:
    body = request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return parse_qs(text, keep_blank_values=True)


def json_of(request: requests.PreparedRequest) -> Any:
    return json.loads(request.body)
