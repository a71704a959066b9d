"""API token authentication (HTTP Basic with "{email}/token" and the token as the password), and the push
token's Bearer authentication of the Channel Framework's calls."""

from __future__ import annotations

import base64
import binascii
import hmac

from django.http import HttpRequest

from sandbox.zendesk.errors import unauthorized
from sandbox.zendesk.models import SandboxZendesk

TOKEN_SUFFIX = "/token"  # noqa: S105 (the fixed username suffix of Zendesk API token auth)


def api_user_authenticate(request: HttpRequest, *, zendesk: SandboxZendesk) -> str:
    """The caller's email, when it sent this account's API user and token; 401 otherwise."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        raise unauthorized()
    try:
        username, _, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized() from None
    email, suffix = username[: -len(TOKEN_SUFFIX)], username[-len(TOKEN_SUFFIX) :]
    if suffix != TOKEN_SUFFIX:
        raise unauthorized()
    if not (_same(email.lower(), zendesk.api_user.lower()) and _same(password, zendesk.api_token)):
        raise unauthorized()
    return email


def push_token_of(request: HttpRequest) -> str:
    """The Bearer token of the request; 401 when there is none."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized()
    return token.strip()


def _same(given: str, expected: str) -> bool:
    # Constant time; bytes, because compare_digest refuses non-ASCII str and a header may hold anything.
    return hmac.compare_digest(given.encode(), expected.encode())
