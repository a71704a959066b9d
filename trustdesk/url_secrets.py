"""Secrets carried in URL paths: each Zendesk account's app address and each Trustpilot account's webhook URL.

Neither vendor signs what it sends, so the URL is what admits a request. A secret is 256 random bits; it is
stored encrypted (to show it again) beside its SHA-256, and looked up by that digest only, so no query or
comparison ever holds the secret itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32  # 256 bits, 43 URL-safe characters
MAX_LENGTH = 64  # anything longer is no secret of ours, and is not hashed


def new() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def plausible(secret: str | None) -> bool:
    """Whether `secret` could be one of ours, so that looking it up is worth a digest and a query."""
    return bool(secret) and len(secret or "") <= MAX_LENGTH


def matches(stored_digest: str | None, secret: str | None) -> bool:
    """Whether `secret` is the one whose digest is stored, compared in constant time."""
    return bool(stored_digest) and plausible(secret) and hmac.compare_digest(stored_digest or "", digest(secret or ""))
