"""The token both sandboxes' /_control endpoints require.

The switches there change what every caller of a sandbox sees (failures, latency, a review taken down):
on a server strangers can reach, they must not be anyone's to flip. The token is
settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN, which the seed commands print.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest

CONTROL_HEADER = "X-Sandbox-Control-Token"


def control_headers() -> dict[str, str]:
    """The header a caller of /_control sends, for tests, benchmarks and scripts run with these settings."""
    return {CONTROL_HEADER: settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN}


def control_token_valid(request: HttpRequest) -> bool:
    expected: str = settings.TRUSTDESK_SANDBOX_CONTROL_TOKEN
    given = request.headers.get(CONTROL_HEADER, "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def control_token_refusal() -> str:
    return f"The sandbox's /_control endpoints need the header {CONTROL_HEADER} (printed by sandbox_seed)"
