"""Authorization codes and tokens: issue, redeem, rotate, revoke.

Single use is enforced with `UPDATE ... WHERE used/revoked = false`, so two processes redeeming
the same code or refresh token at once cannot both succeed.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from sandbox.trustpilot import faults
from sandbox.trustpilot.models import AuthorizationCode, BusinessUser, Token

CODE_LIFETIME = timedelta(minutes=10)


class InvalidGrant(ValueError):
    """The code or refresh token is unknown, used, revoked, expired or bound to another redirect_uri."""


@dataclass(frozen=True)
class IssuedTokens:
    access: Token
    refresh: Token


def user_authenticate(*, email: str, password: str) -> BusinessUser | None:
    user = BusinessUser.objects.filter(email__iexact=email.strip()).first()
    if user is None or not user.check_password(password):
        return None
    return user


def code_issue(*, user: BusinessUser, api_key: str, redirect_uri: str) -> AuthorizationCode:
    return AuthorizationCode.objects.create(
        code=secrets.token_urlsafe(32),
        user=user,
        api_key=api_key,
        redirect_uri=redirect_uri,
        expires_at=timezone.now() + CODE_LIFETIME,
    )


def code_redeem(*, code: str, api_key: str, redirect_uri: str) -> IssuedTokens:
    now = timezone.now()
    found = AuthorizationCode.objects.filter(code=code, api_key=api_key).select_related("user").first()
    if found is None or found.used or found.expires_at <= now:
        raise InvalidGrant("The authorization code is invalid, used or expired")
    if found.redirect_uri != redirect_uri:
        raise InvalidGrant("redirect_uri does not match the one used to get the code")
    with transaction.atomic():
        if not AuthorizationCode.objects.filter(pk=found.pk, used=False).update(used=True):
            raise InvalidGrant("The authorization code is invalid, used or expired")
        return tokens_issue(user=found.user, api_key=api_key, now=now)


def tokens_issue(
    *, user: BusinessUser, api_key: str, grant: str | None = None, now: datetime | None = None
) -> IssuedTokens:
    now = now or timezone.now()
    limits = faults.faults_get()
    grant = grant or uuid.uuid4().hex
    common = {"user": user, "api_key": api_key, "grant": grant, "issued_at": now}
    access = Token.objects.create(
        value=f"tpa-{secrets.token_urlsafe(24)}",
        kind=Token.Kind.ACCESS,
        expires_at=now + timedelta(seconds=limits.access_token_lifetime),
        **common,
    )
    refresh = Token.objects.create(
        value=f"tpr-{secrets.token_urlsafe(24)}",
        kind=Token.Kind.REFRESH,
        expires_at=now + timedelta(seconds=limits.refresh_token_lifetime),
        **common,
    )
    return IssuedTokens(access=access, refresh=refresh)


def tokens_refresh(*, refresh_token: str, api_key: str) -> IssuedTokens:
    """Refresh rotates: the old refresh token is revoked, as Trustpilot's seems to be (docs/trustpilot.md §2.5)."""
    now = timezone.now()
    old = Token.objects.filter(value=refresh_token, kind=Token.Kind.REFRESH, api_key=api_key).first()
    if old is None or old.revoked or old.expires_at <= now:
        raise InvalidGrant("The refresh token is invalid, revoked or expired")
    with transaction.atomic():
        if not Token.objects.filter(pk=old.pk, revoked=False).update(revoked=True):
            raise InvalidGrant("The refresh token is invalid, revoked or expired")
        return tokens_issue(user=old.user, api_key=api_key, grant=old.grant, now=now)


def token_revoke(*, value: str, api_key: str) -> int:
    """Revoking a refresh token ends its whole grant; revoking an access token ends only that token."""
    token = Token.objects.filter(value=value, api_key=api_key).first()
    if token is None:
        return 0
    if token.kind == Token.Kind.REFRESH:
        return Token.objects.filter(grant=token.grant, revoked=False).update(revoked=True)
    return Token.objects.filter(pk=token.pk, revoked=False).update(revoked=True)
