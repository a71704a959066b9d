"""Paths and small request helpers shared by the sandbox tests."""

from __future__ import annotations

import base64

from sandbox.trustpilot.auth import API_KEY, API_SECRET

BASE = "/sandbox/trustpilot"
OAUTH = BASE + "/v1/oauth/oauth-business-users-for-applications"
TOKEN_URL = OAUTH + "/accesstoken"
REFRESH_URL = OAUTH + "/refresh"
REVOKE_URL = OAUTH + "/revoke"
FAULTS_URL = BASE + "/_control/faults"
RESET_URL = BASE + "/_control/reset"


def basic_auth(key: str = API_KEY, secret: str = API_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def reviews_url(business_unit_id: str) -> str:
    return f"{BASE}/v1/private/business-units/{business_unit_id}/reviews"


def review_url(review_id: str) -> str:
    return f"{BASE}/v1/private/reviews/{review_id}"
