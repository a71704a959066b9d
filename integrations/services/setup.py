"""The admin_ui setup: one SetupSession from Zendesk's POST to the return_url (reference §2).

The session is the only thing tying the iframe's requests together (third-party iframes lose their
cookies), so its key is a long random secret, it expires within the hour, and it is spent once the
account is saved.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations.models import ChannelInstance, SetupSession, ZendeskAccount
from reviews.models import Domain, TrustpilotAccount
from reviews.services.accounts import ReauthorizationNeeded, account_connect, call_as_account, domains_enable
from reviews.services.sync import backfill_start
from reviews.trustpilot import get_client
from reviews.trustpilot.errors import TrustpilotError
from reviews.trustpilot.types import BusinessUnit, BusinessUser, TokenSet

SESSION_LIFETIME = timedelta(hours=1)


class SessionInvalid(Exception):
    """The key is unknown, or its session expired or was already used to save the account."""


def session_start(
    *,
    subdomain: str,
    return_url: str,
    locale: str,
    name: str = "",
    instance: ChannelInstance | None = None,
    instance_push_id: str = "",
    push_token: str = "",
) -> SetupSession:
    return SetupSession.objects.create(
        key=secrets.token_urlsafe(32),
        subdomain=subdomain,
        return_url=return_url,
        locale=locale or "en-US",
        name=name,
        instance=instance,
        instance_push_id=instance_push_id,
        push_token=push_token or None,
        expires_at=timezone.now() + SESSION_LIFETIME,
    )


def session_get(*, key: str) -> SetupSession:
    session = (
        SetupSession.objects.select_related("instance__zendesk_account", "trustpilot_account")
        .filter(key=key, completed_at__isnull=True, expires_at__gt=timezone.now())
        .first()
        if key
        else None
    )
    if session is None:
        raise SessionInvalid("unknown, expired or already used setup session")
    return session


def session_connected(session: SetupSession) -> bool:
    """The admin signed in to Trustpilot in this setup, and that account still works."""
    account = session.trustpilot_account
    return account is not None and account.status == TrustpilotAccount.Status.CONNECTED


def session_connect(
    *, session: SetupSession, user: BusinessUser, tokens: TokenSet, units: Iterable[BusinessUnit]
) -> TrustpilotAccount:
    """The Trustpilot sign-in came back: keep the account's tokens and offer its business units."""
    with transaction.atomic():
        account = account_connect(user=user, tokens=tokens, connected_by=connected_by(session))
        session.trustpilot_account = account
        session.business_units = units_as_json(units)
        session.save(update_fields=["trustpilot_account", "business_units"])
    return account


def session_sign_in(*, session: SetupSession, code: str, redirect_uri: str) -> TrustpilotAccount:
    """Exchange the authorization code (reference §1.3) and keep the account; raises TrustpilotError."""
    client = get_client(max_attempts=1)  # a person is waiting: fail fast and let them try again
    try:
        tokens = client.exchange_code(code=code, redirect_uri=redirect_uri)
        user, units = client.business_user_and_units(access_token=tokens.access_token)
    finally:
        client.session.close()
    return session_connect(session=session, user=user, tokens=tokens, units=units)


def session_resume(*, session: SetupSession) -> bool:
    """On edit, reuse the instance's Trustpilot account when it still works. False: sign in again."""
    instance = session.instance
    account = instance.trustpilot_account if instance else None
    if instance is None or account is None or account.status != TrustpilotAccount.Status.CONNECTED:
        return False
    try:
        units = business_units_of(account)
    except ReauthorizationNeeded:
        return False
    session.trustpilot_account = account
    session.business_units = units_as_json(units)
    session.save(update_fields=["trustpilot_account", "business_units"])
    return True


def business_units_of(account: TrustpilotAccount) -> list[BusinessUnit]:
    """The account's business units from Trustpilot, or the ones TrustDesk polls with it when Trustpilot is down."""
    client = get_client(max_attempts=1)  # a person is waiting in Zendesk: no backoff here
    try:
        _, units = call_as_account(account, lambda token: client.business_user_and_units(access_token=token))
    except TrustpilotError:
        units = [unit_of(domain) for domain in Domain.objects.filter(account=account)]
    finally:
        client.session.close()
    return units


def unit_of(domain: Domain) -> BusinessUnit:
    return BusinessUnit(id=domain.business_unit_id, name=domain.name, display_name=domain.display_name)


def units_as_json(units: Iterable[BusinessUnit]) -> list[dict[str, str]]:
    return [{"id": unit.id, "name": unit.name, "display_name": unit.display_name} for unit in units]


def connected_by(session: SetupSession) -> str:
    return f"Zendesk admin of {session.subdomain}"


def instance_save(
    *, session: SetupSession, name: str, business_unit_ids: list[str], sync_unanswered: bool, days: int
) -> ChannelInstance:
    """Create or update the channel instance, poll its domains, and spend the session.

    A sync of unanswered reviews starts for each chosen domain that it does not cover yet: every domain
    of a new instance, a domain added on edit, or all of them when the sync is turned on or its period
    grows. Saving an edit again without such a change starts nothing.
    """
    with transaction.atomic():
        session = (
            SetupSession.objects.select_for_update(of=("self",)).select_related("trustpilot_account").get(pk=session.pk)
        )
        account = session.trustpilot_account
        if session.completed_at is not None or session.expires_at <= timezone.now() or account is None:
            raise SessionInvalid("the setup session was used, expired or has no Trustpilot account")
        units = _chosen_units(session, business_unit_ids)
        instance, covered = _instance_update(session, account, name, sync_unanswered, days)
        domains = domains_enable(account=account, units=units)
        instance.domains.set(domains)
        session.instance = instance
        session.completed_at = timezone.now()
        session.push_token = None  # copied to the instance; the session keeps no secret once spent
        session.save(update_fields=["instance", "completed_at", "push_token"])
        if sync_unanswered:
            for domain in domains:
                if domain.pk not in covered:
                    backfill_start(domain=domain, days=days, requested_by=connected_by(session))
    return instance


def _chosen_units(session: SetupSession, ids: list[str]) -> list[BusinessUnit]:
    offered = {unit["id"]: unit for unit in session.business_units}
    unknown = [unit_id for unit_id in ids if unit_id not in offered]
    if unknown or not ids:
        raise ValueError(f"business units not offered in this session: {unknown or 'none chosen'}")
    return [BusinessUnit(id=i, name=offered[i]["name"], display_name=offered[i]["display_name"]) for i in ids]


def _instance_update(
    session: SetupSession, account: TrustpilotAccount, name: str, sync_unanswered: bool, days: int
) -> tuple[ChannelInstance, set[int]]:
    """The saved instance, and the ids of the domains whose unanswered reviews are already synced."""
    covered: set[int] = set()
    if session.instance_id is None:
        zendesk_account, _ = ZendeskAccount.objects.get_or_create(subdomain=session.subdomain)
        instance = ChannelInstance(zendesk_account=zendesk_account)
    else:
        # Locked, and saved field by field: the outbox numbers resources under this row's lock (last_sequence).
        instance = ChannelInstance.objects.select_for_update().get(pk=session.instance_id)
        if instance.sync_unanswered and instance.sync_unanswered_days >= days:
            covered = set(instance.domains.values_list("pk", flat=True))
    instance.name = name
    instance.locale = session.locale
    instance.trustpilot_account = account
    instance.sync_unanswered = sync_unanswered
    instance.sync_unanswered_days = days
    instance.status = ChannelInstance.Status.ACTIVE
    fields = ["name", "locale", "trustpilot_account", "sync_unanswered", "sync_unanswered_days", "status"]
    if session.instance_push_id and session.push_token:
        instance.instance_push_id = session.instance_push_id
        instance.push_token = session.push_token
        fields += ["instance_push_id", "push_token"]
    if instance.pk is None:
        instance.save()
    else:
        instance.save(update_fields=[*fields, "updated_at"])
    return instance, covered
