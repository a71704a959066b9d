"""Trustpilot accounts: connecting, keeping tokens fresh, and calling the API on an account's behalf."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TypeVar

from django.utils import timezone

from reviews.models import Domain, SyncRun, TrustpilotAccount
from reviews.services.runs import backfills_cancel
from reviews.trustpilot import get_client
from reviews.trustpilot.errors import AuthError, BadRequest, Unavailable
from reviews.trustpilot.types import BusinessUnit, BusinessUser, TokenSet
from trustdesk import deadline
from trustdesk.leases import lease_free

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Trustpilot rejects early refreshes with 429 (docs/trustpilot.md §2.4), so refresh only this close to expiry.
REFRESH_MARGIN = timedelta(minutes=5)
# A token this young is taken as working: a 403 with it is about the business unit (see forbidden_means_no_unit).
FRESH_TOKEN_AGE = timedelta(minutes=10)
# Longer than a token call can take (TRUSTPILOT_TIMEOUT, no retries); a crashed holder's lease expires.
REFRESH_LEASE = timedelta(seconds=60)
LEASE_POLL = 0.5
UNKNOWN_USER_PREFIX = "unknown-"


class ReauthorizationNeeded(Exception):
    """The account's tokens no longer work; a person must sign in to Trustpilot again."""

    def __init__(self, account: TrustpilotAccount, reason: str) -> None:
        super().__init__(f"Trustpilot account {account} needs re-authorization: {reason}")
        self.account = account
        self.reason = reason


class UnitAccessDenied(AuthError):
    """Trustpilot refused a business unit to a token that works: the account has no access to the unit."""


def account_connect(*, user: BusinessUser, tokens: TokenSet, connected_by: str) -> TrustpilotAccount:
    """Store a business user's tokens after they clicked "Allow": a reconnection reuses the same account.

    The user is identified by Trustpilot's id, else by the token answer's app_enduser (docs/trustpilot.md §2.3).
    When Trustpilot said neither, the account gets a placeholder id ("unknown-…") with
    business_user_known off, and replies then name no author; such a user cannot be recognised on a
    later sign-in, so each of their sign-ins adds an account. A name or email Trustpilot left out this
    time keeps the one stored.
    """
    values: dict[str, object] = {
        "access_token": tokens.access_token,
        "access_token_expires_at": tokens.access_expires_at,
        "access_token_issued_at": timezone.now(),
        "refresh_token": tokens.refresh_token or None,
        "refresh_token_expires_at": tokens.refresh_expires_at,
        "status": TrustpilotAccount.Status.CONNECTED,
        "status_reason": "",
        "connected_by": connected_by,
        "connected_at": timezone.now(),
        "disconnected_by": "",
        "disconnected_at": None,
    }
    if user.name or user.email:
        values["name"] = (user.name or user.email)[:255]
    if user.email:
        values["email"] = user.email
    business_user_id = user.id or tokens.app_enduser
    if not business_user_id:
        return TrustpilotAccount.objects.create(
            business_user_id=f"{UNKNOWN_USER_PREFIX}{secrets.token_hex(12)}", business_user_known=False, **values
        )
    account, _ = TrustpilotAccount.objects.update_or_create(
        business_user_id=business_user_id, defaults={**values, "business_user_known": True}
    )
    return account


def domains_enable(*, account: TrustpilotAccount, units: Iterable[BusinessUnit]) -> list[Domain]:
    """Poll these business units with this account's tokens, creating their Domain rows as needed.

    A domain Trustpilot had refused is polled again: the account was just shown to reach it.
    """
    domains = []
    for unit in units:
        domain, _ = Domain.objects.update_or_create(
            business_unit_id=unit.id,
            defaults={
                "name": unit.name,
                "display_name": unit.display_name,
                "account": account,
                "enabled": True,
                "access_denied_at": None,
                "access_denied_reason": "",
            },
        )
        domains.append(domain)
    return domains


def account_mark_needs_reauthorization(*, account: TrustpilotAccount, reason: str) -> None:
    account.status = TrustpilotAccount.Status.NEEDS_REAUTHORIZATION
    account.status_reason = reason
    account.save(update_fields=["status", "status_reason", "updated_at"])
    logger.warning("Trustpilot account %s needs re-authorization: %s", account.pk, reason)


def account_refresh(
    *, account_id: int, stale_access_token: str | None = None, sleep: Callable[[float], None] = time.sleep
) -> TrustpilotAccount:
    """Refresh the account's tokens, once, while holding the account's refresh lease.

    Two processes never refresh one account at once: Trustpilot rotates refresh tokens
    (docs/trustpilot.md §2.5), so the loser's refresh would fail and lock the account out. The lease is
    a column on the account row rather than a transaction held across the HTTP call, because on SQLite
    such a transaction would block every other writer, including a sandbox answering that very call.
    The new token pair is saved, and the lease released, in one UPDATE. When another process refreshed
    while this one waited, its tokens are used as they are.
    """
    account = _claim_refresh(account_id, stale_access_token, sleep)
    if account.refresh_claimed_until is None:
        return account  # refreshed by another process meanwhile
    failure = "no refresh token is stored"
    try:
        if account.refresh_token:
            tokens = get_client().refresh_tokens(refresh_token=account.refresh_token.reveal())
            account.access_token = tokens.access_token
            account.access_token_expires_at = tokens.access_expires_at
            account.access_token_issued_at = timezone.now()
            account.refresh_token = tokens.refresh_token or account.refresh_token
            account.refresh_token_expires_at = tokens.refresh_expires_at or account.refresh_token_expires_at
            account.refresh_claimed_until = None
            account.save(update_fields=[*TOKEN_FIELDS, "refresh_claimed_until", "updated_at"])
            return account
    except (AuthError, BadRequest) as exc:
        failure = f"Trustpilot refused the refresh token ({exc.message})"
    except BaseException:
        TrustpilotAccount.objects.filter(pk=account_id).update(refresh_claimed_until=None)
        raise
    account.refresh_claimed_until = None
    account.save(update_fields=["refresh_claimed_until"])
    account_mark_needs_reauthorization(account=account, reason=failure)
    raise ReauthorizationNeeded(account, failure)


TOKEN_FIELDS = [
    "access_token",
    "access_token_expires_at",
    "access_token_issued_at",
    "refresh_token",
    "refresh_token_expires_at",
]


def _claim_refresh(
    account_id: int, stale_access_token: str | None, sleep: Callable[[float], None]
) -> TrustpilotAccount:
    """The account with the lease taken (refresh_claimed_until set), or already refreshed (None)."""
    for _ in range(int(REFRESH_LEASE.total_seconds() / LEASE_POLL)):
        account = TrustpilotAccount.objects.get(pk=account_id)
        if account.status != TrustpilotAccount.Status.CONNECTED:
            raise ReauthorizationNeeded(account, account.status_reason or account.get_status_display())
        current = account.access_token.reveal() if account.access_token else None
        if stale_access_token is not None and current != stale_access_token and not _expiring(account):
            account.refresh_claimed_until = None
            return account
        now = timezone.now()
        free = lease_free("refresh_claimed_until", now)
        if TrustpilotAccount.objects.filter(free, pk=account_id).update(refresh_claimed_until=now + REFRESH_LEASE):
            account.refresh_from_db()
            return account
        if not deadline.fits(LEASE_POLL):
            break
        sleep(LEASE_POLL)
    raise Unavailable("Another process has been refreshing this account's tokens for too long; try again later.")


def _expiring(account: TrustpilotAccount) -> bool:
    expires = account.access_token_expires_at
    return expires is None or expires - REFRESH_MARGIN <= timezone.now()


def account_access_token(*, account: TrustpilotAccount) -> str:
    """A usable access token, refreshed first when it is about to expire."""
    if account.status != TrustpilotAccount.Status.CONNECTED:
        raise ReauthorizationNeeded(account, account.status_reason or account.get_status_display())
    if account.access_token is None or _expiring(account):
        stale = account.access_token.reveal() if account.access_token else None
        fresh = account_refresh(account_id=account.pk, stale_access_token=stale)
        _copy_tokens(fresh, account)
    return _access_token(account)


def call_as_account(account: TrustpilotAccount, operation: Callable[[str], T]) -> T:
    """Run `operation(access_token)`; on 401/403 refresh once and retry once. Nothing loops.

    A 403 with a fresh token raises UnitAccessDenied without refreshing: Trustpilot answers refreshes
    that come too often with 429 (docs/trustpilot.md §2.4), and a new token would not open the unit either.
    """
    token = account_access_token(account=account)
    try:
        return operation(token)
    except AuthError as exc:
        if forbidden_means_no_unit(exc, token_fresh=_fresh(account)):
            raise UnitAccessDenied(exc.message, status=exc.status) from exc
    fresh = account_refresh(account_id=account.pk, stale_access_token=token)
    _copy_tokens(fresh, account)
    try:
        return operation(_access_token(account))
    except AuthError as exc:
        if forbidden_means_no_unit(exc, token_fresh=True):
            raise UnitAccessDenied(exc.message, status=exc.status) from exc
        raise


def forbidden_means_no_unit(error: AuthError, *, token_fresh: bool) -> bool:
    """Whether a refusal is about the business unit rather than the token. [UNCONFIRMED] (docs/trustpilot.md §6.3).

    Trustpilot documents no difference; python-trustpilot refreshes on 403 too, since the API "may return
    403" for a token. So a 403 counts as "no access to this unit" only once the token is known to work:
    just issued, or just refreshed. A 401 is always the token's.
    """
    return error.status == 403 and token_fresh


def _fresh(account: TrustpilotAccount) -> bool:
    issued = account.access_token_issued_at
    return issued is not None and issued > timezone.now() - FRESH_TOKEN_AGE


def _access_token(account: TrustpilotAccount) -> str:
    if account.access_token is None:
        raise ReauthorizationNeeded(account, "no access token is stored")
    return account.access_token.reveal()


def _copy_tokens(source: TrustpilotAccount, target: TrustpilotAccount) -> None:
    for field in (*TOKEN_FIELDS, "status"):
        setattr(target, field, getattr(source, field))


def account_disconnect(*, account: TrustpilotAccount, by: str) -> TrustpilotAccount:
    """Stop acting for the account: revoke its grant at Trustpilot, best effort, and forget its tokens.

    Its domains stay as they are, and polling skips them because the account is no longer connected;
    their queued and running backfills are cancelled, and stop at their next page.
    The revoke call runs outside any transaction (see account_refresh) and is tried once: a failure is
    logged and kept in status_reason, and never blocks the disconnect, since the tokens are deleted here
    either way. Disconnecting again changes nothing.
    """
    backfills_cancel(
        runs=SyncRun.objects.filter(domain__account=account),
        reason=f"Cancelled: the Trustpilot account was disconnected by {by}",
    )
    if account.status == TrustpilotAccount.Status.DISCONNECTED and not account.has_tokens:
        return account
    token = account.refresh_token or account.access_token
    reason = ""
    if token is not None:
        try:
            get_client(max_attempts=1).revoke(token=token.reveal())
        except Exception as exc:  # best effort: nothing Trustpilot does may keep the account connected
            message = getattr(exc, "message", "") or str(exc) or type(exc).__name__
            logger.warning("Could not revoke the tokens of Trustpilot account %s: %s", account.pk, message)
            reason = f"Trustpilot could not be told to revoke the tokens ({message}); TrustDesk deleted them."
    for field in TOKEN_FIELDS:
        setattr(account, field, None)
    account.status = TrustpilotAccount.Status.DISCONNECTED
    account.status_reason = reason
    account.disconnected_by = by[:255]
    account.disconnected_at = timezone.now()
    account.save(
        update_fields=[*TOKEN_FIELDS, "status", "status_reason", "disconnected_by", "disconnected_at", "updated_at"]
    )
    logger.info("Trustpilot account %s disconnected by %s", account.pk, by)
    return account
