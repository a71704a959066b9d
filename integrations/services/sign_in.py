"""Trustpilot sign-ins of an admin_ui setup, and the claim that binds a grant to the setup page that asked.

A stranger can start a setup of their own and send its sign-in link to a company's Trustpilot admin.
So the callback never connects the setup by itself: it keeps the grant under two codes, a long one
that the sign-in window hands to its opener (the setup page, in the same browser) and a short one it
shows when it has no opener, for the admin to type into the setup page. Only the setup's own page
holds the setup key that a claim needs, and a claim replaces that key, so a copy of it is spent too.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from integrations.models import SetupSession, TrustpilotSignIn
from integrations.services.setup import SessionInvalid, connected_by, units_as_json
from reviews.models import TrustpilotAccount
from reviews.services.accounts import account_connect
from reviews.services.signin import sign_in_discover
from reviews.trustpilot import get_client
from reviews.trustpilot.types import BusinessUser, TokenSet

SIGN_IN_LIFETIME = timedelta(minutes=30)
# Typed by a person: no 0/O, 1/I/L. Eight characters are 40 bits, against at most MAX_FAILED_CLAIMS guesses.
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 8
MAX_FAILED_CLAIMS = 5
MAX_SIGN_INS = 20
_HASH_SALT = "trustdesk.zendesk.admin-ui.sign-in-code"


class SignInInvalid(Exception):
    """Unknown, expired or already used sign-in, or its setup is no longer open."""


class ClaimRefused(Exception):
    """The code does not match a sign-in waiting for this setup."""

    def __init__(self, message: str, *, attempts_left: int) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


@dataclass(frozen=True)
class Grant:
    """What the sign-in window gets after Allow: the codes that let its setup page claim the grant."""

    sign_in: TrustpilotSignIn
    # Either code claims the grant for its setup: kept out of repr, so neither reaches a log or a traceback.
    claim_code: str = field(repr=False)
    short_code: str = field(repr=False)
    user: BusinessUser
    units_count: int
    units_listed: bool

    @property
    def short_code_display(self) -> str:
        half = SHORT_CODE_LENGTH // 2
        return f"{self.short_code[:half]}-{self.short_code[half:]}"


def sign_in_start(*, sign_in_key: str) -> TrustpilotSignIn:
    """Open one Trustpilot sign-in for the setup named by its sign-in key (which can do nothing else)."""
    session = _open_sessions().filter(sign_in_key=sign_in_key).first() if sign_in_key else None
    if session is None:
        raise SessionInvalid("unknown, expired or already used setup session")
    if session.sign_ins.count() >= MAX_SIGN_INS:  # the link may be public: it must not fill the database
        raise SessionInvalid("too many Trustpilot sign-ins for one setup")
    expires_at = min(timezone.now() + SIGN_IN_LIFETIME, session.expires_at)
    return TrustpilotSignIn.objects.create(session=session, nonce=secrets.token_urlsafe(32), expires_at=expires_at)


def sign_in_get(*, nonce: str) -> TrustpilotSignIn:
    """The sign-in Trustpilot sent the browser back for: not yet signed in, unexpired, its setup still open."""
    now = timezone.now()
    sign_in = (
        TrustpilotSignIn.objects.select_related("session")
        .filter(nonce=nonce, signed_in_at__isnull=True, expires_at__gt=now)
        .filter(session__completed_at__isnull=True, session__expires_at__gt=now)
        .first()
        if nonce
        else None
    )
    if sign_in is None:
        raise SignInInvalid("unknown, expired or already used Trustpilot sign-in")
    return sign_in


def sign_in_complete(*, sign_in: TrustpilotSignIn, code: str, redirect_uri: str) -> Grant:
    """Exchange Trustpilot's code and keep the grant, unclaimed; raises TrustpilotError, SignInInvalid."""
    client = get_client(max_attempts=1)  # a person is waiting: fail fast and let them try again
    try:
        tokens = client.exchange_code(code=code, redirect_uri=redirect_uri)
    finally:
        client.session.close()
    discovery = sign_in_discover(tokens=tokens)
    claim_code = secrets.token_urlsafe(32)
    short_code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
    with transaction.atomic():
        sign_in = TrustpilotSignIn.objects.select_for_update().get(pk=sign_in.pk)
        if sign_in.signed_in_at is not None:
            raise SignInInvalid("this Trustpilot sign-in came back already")
        sign_in.signed_in_at = timezone.now()
        sign_in.tokens = tokens_to_json(tokens)
        sign_in.business_user = dataclasses.asdict(discovery.user)
        sign_in.business_units = units_as_json(discovery.units)
        sign_in.units_listed = discovery.units_listed
        sign_in.claim_code_hash = _hash(claim_code)
        sign_in.short_code_hash = _hash(short_code)
        sign_in.save()
    return Grant(
        sign_in=sign_in,
        claim_code=claim_code,
        short_code=short_code,
        user=discovery.user,
        units_count=len(discovery.units),
        units_listed=discovery.units_listed,
    )


def sign_in_claim(*, session: SetupSession, code: str) -> SetupSession:
    """Bind the Trustpilot grant that `code` opens to this setup, and give the setup a new key.

    Raises ClaimRefused for a wrong code (after MAX_FAILED_CLAIMS, every grant waiting for this setup
    is dropped and the admin signs in again) and SessionInvalid when the setup is no longer open.
    """
    with transaction.atomic():
        locked = _open_sessions().select_for_update().filter(pk=session.pk).first()
        if locked is None:
            raise SessionInvalid("unknown, expired or already used setup session")
        session = locked
        waiting = list(
            session.sign_ins.select_for_update().filter(
                signed_in_at__isnull=False, claimed_at__isnull=True, expires_at__gt=timezone.now()
            )
        )
        typed = normalize_code(code)
        sign_in = next((s for s in waiting if _matches(s, code) or _matches(s, typed, short=True)), None)
        if sign_in is None:
            refusal = _refuse(waiting)  # counted in this transaction, which must commit: raised below
        else:
            _claim(session, sign_in)
    if sign_in is None:
        raise refusal
    return session


def _claim(session: SetupSession, sign_in: TrustpilotSignIn) -> None:
    """Under the session's lock: connect the account, spend every grant of the setup, replace its key."""
    account = _connect(session, sign_in)
    now = timezone.now()
    others = TrustpilotSignIn.objects.filter(session=session, claimed_at__isnull=True).exclude(pk=sign_in.pk)
    others.update(expires_at=now, tokens=None)
    sign_in.claimed_at, sign_in.tokens = now, None
    sign_in.save(update_fields=["claimed_at", "tokens"])
    session.key = secrets.token_urlsafe(32)
    session.trustpilot_account = account
    session.business_units = sign_in.business_units
    session.units_listed = sign_in.units_listed
    session.save(update_fields=["key", "trustpilot_account", "business_units", "units_listed"])


def _connect(session: SetupSession, sign_in: TrustpilotSignIn) -> TrustpilotAccount:
    tokens = sign_in.tokens
    if tokens is None:
        raise SessionInvalid("the Trustpilot grant is gone")
    user = BusinessUser(**{f.name: sign_in.business_user.get(f.name, "") for f in dataclasses.fields(BusinessUser)})
    return account_connect(user=user, tokens=tokens_from_json(tokens.reveal()), connected_by=connected_by(session))


def _refuse(waiting: list[TrustpilotSignIn]) -> ClaimRefused:
    if not waiting:
        return ClaimRefused("no Trustpilot sign-in is waiting for this setup", attempts_left=0)
    failed = max(sign_in.failed_attempts for sign_in in waiting) + 1
    ids = [sign_in.pk for sign_in in waiting]
    if failed >= MAX_FAILED_CLAIMS:
        TrustpilotSignIn.objects.filter(pk__in=ids).update(
            failed_attempts=failed, expires_at=timezone.now(), tokens=None
        )
    else:
        TrustpilotSignIn.objects.filter(pk__in=ids).update(failed_attempts=failed)
    return ClaimRefused("the code does not match", attempts_left=max(0, MAX_FAILED_CLAIMS - failed))


def normalize_code(code: str) -> str:
    """What a person types: any case, with or without the dash and spaces."""
    return "".join(char for char in code.upper() if char.isalnum())


def _matches(sign_in: TrustpilotSignIn, code: str, *, short: bool = False) -> bool:
    expected = sign_in.short_code_hash if short else sign_in.claim_code_hash
    return bool(code and expected) and constant_time_compare(_hash(code), expected)


def _hash(code: str) -> str:
    return salted_hmac(_HASH_SALT, code, algorithm="sha256").hexdigest()


def _open_sessions() -> QuerySet[SetupSession]:
    return SetupSession.objects.filter(completed_at__isnull=True, expires_at__gt=timezone.now())


def tokens_to_json(tokens: TokenSet) -> str:
    values = {
        f.name: (value.isoformat() if isinstance(value, datetime) else value)
        for f in dataclasses.fields(tokens)
        for value in [getattr(tokens, f.name)]
    }
    return json.dumps(values)


def tokens_from_json(text: str) -> TokenSet:
    values: dict[str, Any] = json.loads(text)
    for name, value in values.items():
        if name.endswith("_at") and isinstance(value, str):
            values[name] = datetime.fromisoformat(value)
    known = {f.name for f in dataclasses.fields(TokenSet)}
    return TokenSet(**{name: value for name, value in values.items() if name in known})
