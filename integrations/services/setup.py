"""The admin_ui setup: one SetupSession from Zendesk's POST to the return_url (docs/zendesk.md §2).

The session is the only thing tying the iframe's requests together (third-party iframes lose their
cookies), so its key is a long random secret that travels only in POST bodies, it expires within the
hour, it is replaced when a Trustpilot sign-in is claimed (services/sign_in.py), and it is spent once
the account is saved.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import models, transaction
from django.utils import timezone

from integrations.models import ChannelInstance, SetupSession, ZendeskAccount
from reviews.models import Domain, TrustpilotAccount
from reviews.services.accounts import ReauthorizationNeeded, call_as_account, domains_enable
from reviews.services.signin import DomainCheck, account_units, domains_check
from reviews.services.sync import backfill_start
from reviews.trustpilot.errors import TrustpilotError
from reviews.trustpilot.types import BusinessUnit

SESSION_LIFETIME = timedelta(hours=1)


class SessionInvalid(Exception):
    """The key is unknown, or its session expired or was already used to save the account."""


def session_start(
    *,
    subdomain: str,
    return_url: str,
    locale: str,
    name: str = "",
    cursor: str = "",
    instance: ChannelInstance | None = None,
    instance_push_id: str = "",
    push_token: str = "",
) -> SetupSession:
    return SetupSession.objects.create(
        key=secrets.token_urlsafe(32),
        sign_in_key=secrets.token_urlsafe(32),
        cursor=cursor,
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


def session_resume(*, session: SetupSession) -> bool:
    """On edit, reuse the instance's Trustpilot account when it still works. False: sign in again.

    Never for a disconnected instance: it comes back only through a fresh Trustpilot sign-in.
    """
    instance = session.instance
    account = instance.trustpilot_account if instance else None
    if instance is None or instance.status == ChannelInstance.Status.DISCONNECTED:
        return False
    if account is None or account.status != TrustpilotAccount.Status.CONNECTED:
        return False
    try:
        units, listed = business_units_of(account)
    except ReauthorizationNeeded:
        return False
    session.trustpilot_account = account
    session.business_units = units_as_json(units)
    session.units_listed = listed
    session.save(update_fields=["trustpilot_account", "business_units", "units_listed"])
    return True


def business_units_of(account: TrustpilotAccount) -> tuple[list[BusinessUnit], bool]:
    """The account's business units from Trustpilot and whether it listed them; when Trustpilot is down or
    lists nothing, the units TrustDesk polls with this account are offered too."""
    known = [unit_of(domain) for domain in Domain.objects.filter(account=account).order_by("name")]
    try:
        discovery = account_units(account=account)
    except TrustpilotError:
        return known, True
    offered = {unit.id: unit for unit in [*discovery.units, *known]}
    return list(offered.values()), discovery.units_listed


def unit_of(domain: Domain) -> BusinessUnit:
    return BusinessUnit(id=domain.business_unit_id, name=domain.name, display_name=domain.display_name)


def units_as_json(units: Iterable[BusinessUnit]) -> list[dict[str, str]]:
    return [{"id": unit.id, "name": unit.name, "display_name": unit.display_name} for unit in units]


def connected_by(session: SetupSession) -> str:
    return f"Zendesk admin of {session.subdomain}"


def setup_units(
    *, session: SetupSession, chosen_ids: list[str], typed: list[str]
) -> tuple[list[BusinessUnit], list[DomainCheck]]:
    """The units to save: those ticked among the offered ones, and the typed domains Trustpilot says
    this account may access. The second list holds the typed domains that failed, with the reason."""
    offered = {unit["id"]: unit for unit in session.business_units}
    units = [
        BusinessUnit(id=i, name=offered[i]["name"], display_name=offered[i]["display_name"])
        for i in chosen_ids
        if i in offered
    ]
    if not typed:
        return units, []
    account = session.trustpilot_account
    if account is None:
        raise SessionInvalid("the setup has no Trustpilot account")
    checks = call_as_account(account, lambda token: domains_check(access_token=token, domains=typed))
    units += [check.unit for check in checks if check.unit is not None and check.problem is None]
    return list({unit.id: unit for unit in units}.values()), [check for check in checks if check.problem]


def instance_save(
    *, session: SetupSession, name: str, units: list[BusinessUnit], sync_unanswered: bool, days: int
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
        if not units:
            raise ValueError("no business unit chosen")
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
    instance.deactivated_at = instance.disconnected_at = None
    fields = ["name", "locale", "trustpilot_account", "sync_unanswered", "sync_unanswered_days", "status"]
    fields += ["deactivated_at", "disconnected_at"]
    if session.instance_push_id and session.push_token:
        instance.instance_push_id = session.instance_push_id
        instance.push_token = session.push_token
        fields += ["instance_push_id", "push_token"]
    if instance.pk is None:
        instance.save()
    else:
        instance.save(update_fields=[*fields, "updated_at"])
    return instance, covered


def sessions_delete_stale() -> int:
    """Delete setups that expired or were saved, with their sign-ins (and any grant never claimed)."""
    stale = SetupSession.objects.filter(models.Q(expires_at__lte=timezone.now()) | models.Q(completed_at__isnull=False))
    deleted, _ = stale.delete()
    return deleted
