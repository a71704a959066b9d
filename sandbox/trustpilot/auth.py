"""Who is calling: the API application (apikey header or Basic auth) and the business user (Bearer token)."""

from __future__ import annotations

import base64
import binascii
import hmac

from django.http import HttpRequest
from django.utils import timezone

from sandbox.trustpilot.errors import apikey_refused, unauthorized
from sandbox.trustpilot.models import BusinessUser, Token

# The sandbox's one API application; settings default TRUSTPILOT_API_KEY/SECRET to these in sandbox mode.
API_KEY = "sandbox-api-key"
API_SECRET = "sandbox-api-secret"  # noqa: S105 (a public sandbox credential)


def api_key_from_header(request: HttpRequest) -> str:
    """Every /v1 call names the application in the apikey header (docs/trustpilot.md §1.2)."""
    key = request.headers.get("apikey", "")
    if not _same(key, API_KEY):
        raise apikey_refused()
    return key


def application_from_credentials(request: HttpRequest) -> str:
    """Token calls authenticate the app by HTTP Basic or by client_id/client_secret fields (docs/trustpilot.md §2.2)."""
    key, secret = _basic_credentials(request) or (
        request.POST.get("client_id", ""),
        request.POST.get("client_secret", ""),
    )
    if not (_same(key, API_KEY) and _same(secret, API_SECRET)):
        raise unauthorized("Invalid client credentials")
    return key


def bearer_user(request: HttpRequest, *, api_key: str) -> BusinessUser:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise unauthorized()
    token = (
        Token.objects.select_related("user")
        .filter(
            value=value.strip(),
            kind=Token.Kind.ACCESS,
            api_key=api_key,
            revoked=False,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if token is None:
        raise unauthorized()
    return token.user


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized("Invalid client credentials") from None
    key, _, secret = decoded.partition(":")
    return key, secret


def _same(given: str, expected: str) -> bool:
    # Constant time; bytes, because compare_digest refuses non-ASCII str and a header may hold anything.
    return hmac.compare_digest(given.encode(), expected.encode())
